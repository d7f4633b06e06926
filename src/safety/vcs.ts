// The questions the safety checks ask each VCS (core.md §8.4–§8.6). Each answer is true/false, or a
// VcsProblem that the caller turns into the fail-closed error or the missing-binary fallback.
import type { VcsResult, VcsRunner } from './runner.js';

export type VcsName = 'git' | 'mercurial' | 'sapling';

export type Problem = { problem: 'missing' } | { problem: 'error'; detail: string };
export type Answer<T> = T | Problem;

export const isProblem = (a: unknown): a is Problem => typeof a === 'object' && a !== null && 'problem' in a;

/** The first non-empty stderr line, or why there is none (core.md §8.7). */
function errorDetail(result: VcsResult): string {
  switch (result.kind) {
    case 'timeout':
      return 'timed out after 30s';
    case 'spawn-error':
      return result.code;
    case 'missing':
      return 'not found';
    case 'exit': {
      const line = result.stderr
        .split(/\r?\n/)
        .map((l) => l.trim())
        .find((l) => l !== '');
      return line ?? `exit status ${result.code}`;
    }
  }
}

const vcsError = (result: VcsResult): Problem => ({ problem: 'error', detail: errorDetail(result) });

function interpret<T>(result: VcsResult, answer: (r: Extract<VcsResult, { kind: 'exit' }>) => T | undefined): Answer<T> {
  if (result.kind === 'missing') return { problem: 'missing' };
  if (result.kind !== 'exit') return vcsError(result);
  const value = answer(result);
  return value === undefined ? vcsError(result) : value;
}

const firstLine = (s: string): string => s.split(/\r?\n/)[0]!.trim();

/** What each VCS driver answers. `root` is undefined when the marker is not a repository. */
export interface VcsDriver {
  readonly name: VcsName;
  readonly binary: string;
  root(start: string): Promise<Answer<string | null>>;
  ignored(root: string, rel: string): Promise<Answer<boolean>>;
  tracked(root: string, rel: string): Promise<Answer<boolean>>;
  history(root: string, rel: string): Promise<Answer<boolean>>;
}

/** Where the user's own git points (GIT_DIR, GIT_WORK_TREE): one more repository to ask (core.md §8.10). */
export interface GitContext {
  readonly env: Readonly<Record<string, string>>;
}

/** `:(literal)` pathspec magic; `icase` also when asked (core.ignorecase repositories, core.md §8.10). */
const pathspec = (rel: string, icase: boolean): string => `:(literal${icase ? ',icase' : ''})${rel}`;

/** Tips to walk, and tips whose whole history was found clean before (the incremental history check). */
export interface HistorySince {
  readonly tips: readonly string[];
  readonly verified: readonly string[];
}

export interface GitDriver extends VcsDriver {
  /** The commits `rev-list --all --reflog` starts from. */
  tips(root: string): Promise<Answer<string[]>>;
  history(root: string, rel: string, since?: HistorySince): Promise<Answer<boolean>>;
}

export function gitDriver(run: VcsRunner, context?: GitContext): GitDriver {
  const options = context ? { env: context.env } : {};
  const git = (dir: string, args: string[], input?: string): Promise<VcsResult> =>
    run('git', ['-c', 'core.fsmonitor=false', '-C', dir, ...args], input === undefined ? options : { ...options, input });
  /** Whether the repository folds case (macOS, Windows): then `.ENV` in the index is the store. */
  const ignoresCase = async (root: string): Promise<Answer<boolean>> =>
    interpret(await git(root, ['config', '--bool', 'core.ignorecase']), (r) =>
      r.code === 0 ? r.stdout.trim() === 'true' : r.code === 1 ? false : undefined,
    );
  /**
   * A commit reachable from any ref or reflog entry (stash@{n}, deleted branches) that has the path; or, with
   * `since`, one reachable from its tips but not from the tips whose history was verified before.
   */
  const inCommits = async (root: string, rel: string, icase: boolean, since?: HistorySince): Promise<Answer<boolean>> => {
    if (since && since.tips.length === 0) return false;
    const result = since
      ? await git(
          root,
          ['rev-list', '-n1', '--full-history', '--stdin', '--', pathspec(rel, icase)],
          [...since.tips, ...since.verified.map((tip) => `^${tip}`)].join('\n') + '\n',
        )
      : await git(root, ['rev-list', '-n1', '--all', '--reflog', '--full-history', '--', pathspec(rel, icase)]);
    return interpret(result, (r) => (r.code === 0 ? r.stdout.trim() !== '' : undefined));
  };
  /** Refs that point at a tree (directly or through an annotated tag) and hold the path. */
  const inTaggedTrees = async (root: string, rel: string): Promise<Answer<boolean>> => {
    const refs = await git(root, ['for-each-ref', '--format=%(objecttype) %(objectname) %(*objecttype) %(*objectname)']);
    const trees = interpret(refs, (r) => {
      if (r.code !== 0) return undefined;
      const found = new Set<string>();
      for (const line of r.stdout.split('\n')) {
        const [type, name, peeledType, peeledName] = line.split(' ');
        if (type === 'tree' && name) found.add(name);
        if (peeledType === 'tree' && peeledName) found.add(peeledName);
      }
      return [...found];
    });
    if (isProblem(trees)) return trees;
    for (const tree of trees) {
      const hit = interpret(await git(root, ['rev-parse', '--verify', '-q', `${tree}:${rel}`]), (r) =>
        r.code === 0 ? true : r.code === 1 ? false : undefined,
      );
      if (hit !== false) return hit;
    }
    return false;
  };
  return {
    name: 'git',
    binary: 'git',
    async tips(root) {
      // What --all --reflog starts from, as commits (tags peeled; refs to trees are asked by inTaggedTrees).
      return interpret(await git(root, ['rev-list', '--no-walk=unsorted', '--all', '--reflog']), (r) =>
        r.code === 0 ? [...new Set(r.stdout.split('\n').filter((l) => /^[0-9a-f]{40,64}$/.test(l)))] : undefined,
      );
    },
    async root(start) {
      return interpret(await git(start, ['rev-parse', '--show-toplevel']), (r) => {
        if (r.code === 0) return r.stdout.trim() !== '' ? r.stdout.trim() : undefined;
        // A GIT_DIR without a work tree cannot hold the store.
        return r.stderr.includes('not a git repository') || r.stderr.includes('must be run in a work tree') ? null : undefined;
      });
    },
    async ignored(root, rel) {
      // --no-index: without it a tracked file is never reported as ignored.
      return interpret(await git(root, ['check-ignore', '-q', '--no-index', '--', rel]), (r) =>
        r.code === 0 ? true : r.code === 1 ? false : undefined,
      );
    },
    async tracked(root, rel) {
      const names = interpret(await git(root, ['ls-files', '-z', '--cached', '--', pathspec(rel, true)]), (r) =>
        r.code === 0 ? r.stdout.split('\0').filter((n) => n !== '') : undefined,
      );
      if (isProblem(names)) return names;
      if (names.includes(rel)) return true;
      // Only another case of the name (`.ENV`): the same file where git folds case.
      return names.length === 0 ? false : ignoresCase(root);
    },
    async history(root, rel, since) {
      // --all --reflog --full-history: every ref and reflog entry, side branches merged away, `git stash -u`.
      const [folded, trees] = await Promise.all([inCommits(root, rel, true, since), inTaggedTrees(root, rel)]);
      if (folded !== false) {
        if (isProblem(folded)) return folded;
        const exact = await inCommits(root, rel, false, since);
        if (exact !== false) return exact;
        const icase = await ignoresCase(root);
        if (icase !== false) return icase;
      }
      return trees;
    },
  };
}

/** Escapes `\` and `'` for a single-quoted revset string. */
const revsetQuote = (s: string): string => s.replace(/[\\']/g, '\\$&');

export function mercurialDriver(run: VcsRunner): VcsDriver {
  const hg = (dir: string, args: string[]): Promise<VcsResult> => run('hg', ['--cwd', dir, ...args]);
  return {
    name: 'mercurial',
    binary: 'hg',
    async root(start) {
      return interpret(await hg(start, ['root']), (r) => {
        if (r.code === 0) return r.stdout.trim() !== '' ? r.stdout.trim() : undefined;
        return r.stderr.includes('no repository found') ? null : undefined;
      });
    },
    async ignored(root, rel) {
      return interpret(await hg(root, ['debugignore', '--', rel]), (r) => {
        if (r.code !== 0) return undefined;
        const line = firstLine(r.stdout);
        return line === `${rel} is ignored` ? true : line === `${rel} is not ignored` ? false : undefined;
      });
    },
    async tracked(root, rel) {
      return interpret(await hg(root, ['files', '--', `path:${rel}`]), (r) =>
        r.code === 0 ? r.stdout.trim() !== '' : r.code === 1 ? false : undefined,
      );
    },
    async history(root, rel) {
      // filelog() takes the bare path: with `path:` it misses deleted files. --hidden adds obsolete changesets.
      const revset = `filelog('${revsetQuote(rel)}')`;
      return interpret(await hg(root, ['log', '--hidden', '-r', revset, '-T', '{node}\\n']), (r) =>
        r.code === 0 ? r.stdout.trim() !== '' : undefined,
      );
    },
  };
}

export function saplingDriver(run: VcsRunner): VcsDriver & { installed(): Promise<Answer<true>> } {
  const sl = (dir: string, args: string[]): Promise<VcsResult> => run('sl', ['--cwd', dir, ...args]);
  const lines = (s: string): string[] => s.split(/\r?\n/).map((l) => l.replace(/\r$/, ''));
  return {
    name: 'sapling',
    binary: 'sl',
    async installed() {
      // Another program may be called `sl` (the steam locomotive): only a Sapling banner counts.
      const r = await run('sl', ['--version']);
      if (r.kind === 'missing') return { problem: 'missing' };
      if (r.kind === 'exit' && r.code === 0 && firstLine(r.stdout).includes('Sapling')) return true;
      return { problem: 'missing' };
    },
    async root(start) {
      return interpret(await sl(start, ['root']), (r) => {
        if (r.code === 0) return r.stdout.trim() !== '' ? r.stdout.trim() : undefined;
        return /no repository found|not a repository/i.test(r.stderr) ? null : undefined;
      });
    },
    async ignored(root, rel) {
      return interpret(await sl(root, ['status', '-i', '-n', '--', `path:${rel}`]), (r) =>
        r.code === 0 ? lines(r.stdout).includes(rel) : undefined,
      );
    },
    async tracked(root, rel) {
      return interpret(await sl(root, ['status', '-A', '--', `path:${rel}`]), (r) =>
        r.code === 0 ? lines(r.stdout).some((l) => /^[CMAR!] /.test(l) && l.slice(2) === rel) : undefined,
      );
    },
    async history(root, rel) {
      const revset = `file('path:${revsetQuote(rel)}')`;
      return interpret(await sl(root, ['log', '-r', revset, '-T', '{node}\\n']), (r) =>
        r.code === 0 ? r.stdout.trim() !== '' : undefined,
      );
    },
  };
}

// The verdict cache: a repeated `status` (or `token`, `env`...) spawns no git process when nothing that decides
// the safety answers changed since they last passed. Every input git reads for those answers is fingerprinted
// by identity (inode, size, nanosecond mtime and ctime, mode, owner): the refs and reflogs, packed-refs, the
// index, every ignore and config file, the enclosing repositories, the environment variables that steer git,
// which git binary. Anything not understood (config includes, reftable, a split index, a symbolic link where
// git reads a file, Mercurial, Sapling, GIT_DIR) is not cached: the full check runs. Only passes are kept,
// never a secret: paths, file identities and commit ids, in the user's cache directory, mode 0600.
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  type BigIntStats,
  type Stats,
} from 'node:fs';
import { delimiter, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Runtime } from '../lib/runtime.js';
import { findWindowsCommand } from '../lib/windows-command.js';
import { VERSION } from '../version.js';
import { commonDirOf, CONFIG_INCLUDE, findMarkers, type Marker } from './discover.js';

/** Setting this variable (to anything but empty) turns the cache off: every check runs in full. */
export const NO_CACHE_VARIABLE = 'LLM_AUTH_NO_CACHE';
/** Inputs changed this recently may change again within one timestamp tick unseen: such a pass is not kept. */
export const RACY_MS = 2_000;
/** More tips than this are not kept for the incremental history check (the full walk runs instead). */
const MAX_TIPS = 20_000;
const MAX_ENTRIES = 32;
const MAX_CACHE_BYTES = 8 << 20;
const FILE_NAME = 'verdicts.json';
/** In place of the refs' fingerprint when they changed too recently: it matches no fingerprint. */
const UNSETTLED = '(unsettled)';

/** Where the cache lives: `$XDG_CACHE_HOME/llm-auth`, else `~/.cache/llm-auth` (`%LOCALAPPDATA%` on Windows). */
export function cacheDirectory(rt: Pick<Runtime, 'env' | 'home' | 'platform'>): string | undefined {
  const env = rt.env;
  if ((env[NO_CACHE_VARIABLE] ?? '') !== '') return undefined;
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'llm-auth');
  if (rt.platform === 'win32' && env.LOCALAPPDATA && isAbsolute(env.LOCALAPPDATA))
    return join(env.LOCALAPPDATA, 'llm-auth', 'cache');
  return rt.home !== '' && isAbsolute(rt.home) ? join(rt.home, '.cache', 'llm-auth') : undefined;
}

/** Not understood: the full check runs and nothing is cached. */
class Unsupported extends Error {}

/** The identities of the files an answer depends on, and the newest change among them. */
class Fingerprint {
  readonly parts: string[] = [];
  newest = 0n;

  private stat(p: string): BigIntStats | undefined {
    const st = lstatSync(p, { bigint: true, throwIfNoEntry: false });
    if (st === undefined) {
      this.parts.push(`${p} -`);
      return undefined;
    }
    if (st.isDirectory()) {
      // Which directory, and who may write it; not its times, which every lock file and COMMIT_EDITMSG moves.
      this.parts.push(`${p} d${st.dev}:${st.ino}:${st.mode}:${st.uid}`);
      return st;
    }
    this.stamp(p, st);
    return st;
  }

  /** A file's identity and times (and the newest change so far). */
  private stamp(label: string, st: BigIntStats): void {
    this.parts.push(`${label} ${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.mode}:${st.uid}`);
    for (const t of [st.mtimeNs, st.ctimeNs]) if (t > this.newest) this.newest = t;
  }

  /** A file git reads: absent is an answer too; a symbolic link is followed and both are recorded. */
  file(p: string): void {
    const st = this.stat(p);
    if (st?.isSymbolicLink()) {
      // The file at the end of the links (a dotfiles manager links ~/.gitconfig): its identity, or unreadable.
      const target = statSync(p, { bigint: true, throwIfNoEntry: false });
      if (target === undefined) throw new Unsupported();
      this.stamp(`${p} ->`, target);
    } else if (st && !st.isFile() && !st.isDirectory()) throw new Unsupported();
  }

  /** A file whose text decides more (a config file): recorded, then read. */
  text(p: string): string | undefined {
    this.file(p);
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  }

  /** Every file under a directory (loose refs, reflogs), in name order. */
  tree(dir: string): void {
    const st = this.stat(dir);
    if (!st) return;
    if (!st.isDirectory()) throw new Unsupported();
    // The entries' types come with the names (Node asks lstat only where the file system does not say).
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) this.tree(p);
      else this.file(p);
    }
  }
}

/** `excludesFile = value` (any case), the whole value on the line. */
const EXCLUDES = /^\s*excludesfile\s*=\s*(.*?)\s*$/gim;

/** What a config file says about core.excludesFile, as paths; a value we would have to unquote is not understood. */
function excludesFiles(text: string, home: string, root: string): string[] {
  if (CONFIG_INCLUDE.test(text)) throw new Unsupported();
  const out: string[] = [];
  for (const match of text.matchAll(EXCLUDES)) {
    const value = match[1]!;
    if (value === '' || /["\\;#]|%\(/.test(value)) throw new Unsupported();
    out.push(value.startsWith('~/') ? join(home, value.slice(2)) : resolve(root, value));
  }
  return out;
}

/**
 * The file `spawn(name)` would run, as git is found (its identity is part of the fingerprint): on Windows
 * with PATHEXT and the working directory first, as `exec` looks commands up.
 */
function onPath(name: string, rt: Pick<Runtime, 'env' | 'platform' | 'cwd'>): string | undefined {
  if (rt.platform === 'win32')
    return findWindowsCommand(name, rt.env, rt.cwd, (p) => statSync(p, { throwIfNoEntry: false })?.isFile() === true);
  for (const dir of (rt.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (st?.isFile() && (st.mode & 0o111) !== 0) return p;
  }
  return undefined;
}

/** One repository's inputs: `inputs` decide ignored and tracked (and everything); `refs` only the history. */
export interface RepositoryInputs {
  readonly dir: string;
  readonly inputs: string;
  readonly refs: string;
  /** refs/replace rewrites old history: then a ref change needs the full walk. */
  readonly replaces: boolean;
}

/**
 * Where git's system config may be: GIT_CONFIG_SYSTEM, else /etc/gitconfig and `{prefix}/etc/gitconfig` for the
 * prefixes the binary's place suggests (/usr/local, Homebrew, Git for Windows). Absent files are recorded too.
 */
function systemConfigs(env: Runtime['env'], gitBinary: string): string[] {
  if (env.GIT_CONFIG_SYSTEM !== undefined) return [resolve(env.GIT_CONFIG_SYSTEM)];
  const bin = dirname(gitBinary);
  return [
    ...new Set(
      ['/etc/gitconfig', join(bin, '..', 'etc', 'gitconfig'), join(bin, '..', '..', 'etc', 'gitconfig')].map((p) => resolve(p)),
    ),
  ];
}

function gitRepositoryInputs(
  marker: Marker,
  storeReal: string,
  rt: Pick<Runtime, 'env' | 'home'>,
  gitBinary: string,
  fp: Fingerprint,
  refs: Fingerprint,
): RepositoryInputs {
  if (marker.kind !== '.git' || marker.saplingInGit || marker.broken !== undefined || marker.metadataDir === undefined)
    throw new Unsupported();
  const gitDir = marker.metadataDir;
  const start = fp.parts.length;
  fp.file(marker.dir);
  fp.file(join(marker.dir, '.git'));
  fp.file(gitDir);
  fp.file(join(gitDir, 'commondir'));
  const commonDir = commonDirOf(gitDir);
  fp.file(commonDir);
  if (statSync(join(commonDir, 'reftable'), { throwIfNoEntry: false })) throw new Unsupported();
  if (readdirSync(gitDir).some((n) => n.startsWith('sharedindex.'))) throw new Unsupported();
  for (const name of ['index', 'shallow', 'info/exclude', 'info/grafts', 'objects/info/alternates', 'info/sparse-checkout']) {
    fp.file(join(name === 'index' ? gitDir : commonDir, name));
  }
  // The ignore files from the work tree's root down to the store's directory.
  const rel = relative(marker.dir, dirname(storeReal));
  let dir = marker.dir;
  fp.file(join(dir, '.gitignore'));
  for (const part of rel === '' ? [] : rel.split(sep)) {
    dir = join(dir, part);
    fp.file(dir);
    fp.file(join(dir, '.gitignore'));
  }
  // Config: the repository's, the user's and the system's; and the excludes files they name.
  const env = rt.env;
  const configs = [join(commonDir, 'config'), join(gitDir, 'config.worktree')];
  const xdgConfig = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(rt.home, '.config');
  if (env.GIT_CONFIG_GLOBAL !== undefined) configs.push(resolve(env.GIT_CONFIG_GLOBAL));
  else configs.push(join(rt.home, '.gitconfig'), join(xdgConfig, 'git', 'config'));
  const noSystem = env.GIT_CONFIG_NOSYSTEM !== undefined && !/^(|0|false|no|off)$/i.test(env.GIT_CONFIG_NOSYSTEM);
  if (!noSystem) configs.push(...systemConfigs(env, gitBinary));
  const excludes = new Set([join(xdgConfig, 'git', 'ignore')]);
  for (const config of configs) {
    const text = fp.text(config);
    if (text !== undefined) for (const p of excludesFiles(text, rt.home, marker.dir)) excludes.add(p);
  }
  for (const p of [...excludes].sort()) fp.file(p);
  // What rev-list --all --reflog starts from: refs, reflogs, HEADs (of every worktree), packed-refs.
  const refsStart = refs.parts.length;
  for (const base of new Set([gitDir, commonDir])) {
    refs.file(join(base, 'HEAD'));
    refs.file(join(base, 'packed-refs'));
    refs.tree(join(base, 'refs'));
    refs.tree(join(base, 'logs'));
  }
  const worktrees = join(commonDir, 'worktrees');
  for (const name of (statSync(worktrees, { throwIfNoEntry: false })?.isDirectory() ? readdirSync(worktrees) : []).sort()) {
    refs.file(join(worktrees, name, 'HEAD'));
    refs.tree(join(worktrees, name, 'refs'));
    refs.tree(join(worktrees, name, 'logs'));
  }
  const replaces =
    statSync(join(commonDir, 'refs', 'replace'), { throwIfNoEntry: false }) !== undefined ||
    /\srefs\/replace\//.test(readFileOr(join(commonDir, 'packed-refs')));
  return {
    dir: marker.dir,
    inputs: fp.parts.slice(start).join('\n'),
    refs: refs.parts.slice(refsStart).join('\n'),
    replaces,
  };
}

const readFileOr = (p: string): string => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
};

/** What the cache holds for one repository around a store. */
interface RepositoryVerdict {
  readonly dir: string;
  readonly inputs: string;
  readonly refs: string;
  /** The work tree's root as git reported it. */
  readonly root: string;
  /** The commits whose whole history was found clean, when known. */
  readonly tips?: readonly string[];
}

interface CacheEntry {
  readonly key: string;
  readonly repos: readonly RepositoryVerdict[];
  readonly at: number;
}

type CacheFile = Record<string, CacheEntry>;

const isString = (v: unknown): v is string => typeof v === 'string';

/**
 * The entries of a cache file, or none. Checked field by field here rather than with zod: this file is our own,
 * and loading zod would cost the repeated `status` the milliseconds the cache saves. Anything unexpected reads
 * as no entry (the full check runs).
 */
function parseCacheFile(text: string): CacheFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return {};
  }
  const out: CacheFile = {};
  if (typeof data !== 'object' || data === null || (data as { version?: unknown }).version !== 1) return out;
  const entries = (data as { entries?: unknown }).entries;
  if (typeof entries !== 'object' || entries === null) return out;
  for (const [store, value] of Object.entries(entries)) {
    const e = value as Partial<CacheEntry> | null;
    if (typeof e !== 'object' || e === null || !isString(e.key) || typeof e.at !== 'number' || !Array.isArray(e.repos)) continue;
    const repos = e.repos as unknown[];
    const ok = repos.every((r) => {
      const v = r as Partial<RepositoryVerdict> | null;
      return (
        typeof v === 'object' &&
        v !== null &&
        isString(v.dir) &&
        isString(v.inputs) &&
        isString(v.refs) &&
        isString(v.root) &&
        (v.tips === undefined || (Array.isArray(v.tips) && v.tips.every((t) => isString(t) && /^[0-9a-f]{40,64}$/.test(t))))
      );
    });
    if (ok) out[store] = { key: e.key, at: e.at, repos: repos as RepositoryVerdict[] };
  }
  return out;
}

/** Ours alone: owned by this user and not writable by group or others (where there are users). */
const ours = (st: Stats, uid: number | undefined): boolean => uid === undefined || (st.uid === uid && (st.mode & 0o022) === 0);

/** The cache file's text when it can be trusted: a regular file of ours, in a directory of ours, neither writable by others. */
function readTrusted(dir: string, uid: number | undefined): string | undefined {
  const file = join(dir, FILE_NAME);
  const dirStat = lstatSync(dir, { throwIfNoEntry: false });
  const fileStat = lstatSync(file, { throwIfNoEntry: false });
  if (!dirStat?.isDirectory() || !fileStat?.isFile()) return undefined;
  if (!ours(dirStat, uid) || !ours(fileStat, uid)) return undefined;
  if (fileStat.size > MAX_CACHE_BYTES) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Written whole (a temporary file renamed over it), 0600 in a 0700 directory; a failure only loses the cache.
 * Not into a directory that is someone else's or that others may write (where it would not be trusted either).
 */
function writeCache(dir: string, entries: CacheFile, pid: number, uid: number | undefined): void {
  const text = JSON.stringify({ version: 1, entries });
  if (text.length > MAX_CACHE_BYTES) return;
  const temp = join(dir, `.${FILE_NAME}.${pid}.tmp`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    if (!st.isDirectory() || !ours(st, uid)) return;
    writeFileSync(temp, text, { mode: 0o600, flag: 'wx' });
    renameSync(temp, join(dir, FILE_NAME));
  } catch {
    try {
      unlinkSync(temp);
    } catch {
      // nothing was written
    }
  }
}

/** What to ask one repository: nothing, only the history since the verified tips, or everything. */
export type Decision =
  | { readonly kind: 'skip' }
  | { readonly kind: 'history'; readonly root: string; readonly verified?: readonly string[] }
  | { readonly kind: 'full' };

/** What checking one repository found out (for the next run). */
export interface RepositoryOutcome {
  readonly root: string;
  readonly tips?: readonly string[];
}

export interface VerdictPlan {
  /** One decision per marker, in the order of the markers. */
  readonly decisions: readonly Decision[];
  /** Called when every check passed with no warning: keeps the verdict (unless an input changed too recently). */
  commit(outcomes: ReadonlyArray<RepositoryOutcome | undefined>): void;
}

/**
 * The plan for one store (its real path) inside these repositories, or undefined when the cache is off or
 * cannot vouch for the answers (then everything is asked, as without a cache).
 */
export function planVerdicts(
  rt: Pick<Runtime, 'env' | 'home' | 'platform' | 'cwd' | 'now' | 'pid'> & { readonly uid?: number },
  storeReal: string,
  markers: readonly Marker[],
): VerdictPlan | undefined {
  const dir = cacheDirectory(rt);
  if (dir === undefined || markers.length === 0) return undefined;
  if ((rt.env.GIT_DIR ?? '') !== '' || (rt.env.GIT_WORK_TREE ?? '') !== '') return undefined;
  // Never inside a repository (or .git): that would put llm-auth's own file in someone's work tree.
  if (findMarkers(nearestExisting(dir)).length > 0) return undefined;
  const startedAt = rt.now();
  const gitBinary = onPath('git', rt);
  if (gitBinary === undefined) return undefined;
  const fp = new Fingerprint();
  const refs = new Fingerprint();
  let repos: RepositoryInputs[];
  try {
    fp.file(gitBinary);
    repos = markers.map((m) => gitRepositoryInputs(m, storeReal, rt, gitBinary, fp, refs));
  } catch {
    return undefined; // Unsupported, or a file that could not be read: the full check decides
  }
  const env = rt.env;
  const key = JSON.stringify([
    VERSION,
    rt.platform,
    storeReal,
    gitBinary,
    rt.home,
    [
      'PATH',
      'HOME',
      'XDG_CONFIG_HOME',
      'GIT_CONFIG_GLOBAL',
      'GIT_CONFIG_SYSTEM',
      'GIT_CONFIG_NOSYSTEM',
      'USERPROFILE',
      'SystemRoot',
    ].map((n) => env[n] ?? null),
    markers.map((m) => [m.kind, m.dir, m.metadataDir ?? null]),
  ]);
  const text = readTrusted(dir, rt.uid);
  const cached = text === undefined ? {} : parseCacheFile(text);
  const entry = cached[storeReal];
  const usable = entry !== undefined && entry.key === key && entry.repos.length === repos.length;
  const decisions: Decision[] = repos.map((repo, i) => {
    const before = usable ? entry.repos[i]! : undefined;
    if (before === undefined || before.dir !== repo.dir || before.inputs !== repo.inputs) return { kind: 'full' };
    if (before.refs === repo.refs) return { kind: 'skip' };
    if (repo.replaces) return { kind: 'full' };
    return { kind: 'history', root: before.root, ...(before.tips ? { verified: before.tips } : {}) };
  });
  return {
    decisions,
    commit(outcomes) {
      if (decisions.every((d) => d.kind === 'skip')) return; // nothing new to keep: a repeated status writes nothing
      // A change within a timestamp tick of the check could be missed next time: such a pass is not kept.
      const racyFrom = BigInt(startedAt - RACY_MS) * 1_000_000n;
      if (fp.newest >= racyFrom) return;
      // Refs that changed that recently (a commit just before the check) are not vouched for, but the tips
      // walked are: that a commit's history holds no store is true forever (refs/replace, grafts and shallow
      // are watched apart). The next run then walks only what is new since them.
      const refsRacy = refs.newest >= racyFrom;
      const verdicts: RepositoryVerdict[] = [];
      for (const [i, repo] of repos.entries()) {
        const decision = decisions[i]!;
        const outcome = outcomes[i];
        const root = decision.kind === 'skip' ? entry!.repos[i]!.root : outcome?.root;
        if (root === undefined) return;
        const tips = decision.kind === 'skip' ? entry!.repos[i]!.tips : outcome?.tips;
        verdicts.push({
          dir: repo.dir,
          inputs: repo.inputs,
          refs: refsRacy ? UNSETTLED : repo.refs,
          root,
          ...(tips && tips.length <= MAX_TIPS ? { tips } : {}),
        });
      }
      const kept = Object.entries({ ...cached, [storeReal]: { key, repos: verdicts, at: rt.now() } })
        .sort((a, b) => b[1].at - a[1].at)
        .slice(0, MAX_ENTRIES);
      writeCache(dir, Object.fromEntries(kept), rt.pid, rt.uid);
    },
  };
}

/** The path itself, or its nearest ancestor that exists. */
function nearestExisting(p: string): string {
  for (let dir = p; ; dir = dirname(dir)) {
    if (statSync(dir, { throwIfNoEntry: false }) !== undefined || dirname(dir) === dir) return dir;
  }
}

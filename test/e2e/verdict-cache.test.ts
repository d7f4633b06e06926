// The verdict cache (README "What status writes"): a repeated status spawns no git process while nothing that
// decides the answers changed, and each kind of change makes the check run again and give the right answer.
// In process with a clock a minute ahead, so the inputs the test just wrote are not "too recent" to cache
// (RACY_MS); git is the real one, behind a stand-in on PATH that logs each call.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CANARY, runCli } from '../helpers/cli.js';
import { commitAll, git, gitRepo, listTree, mode, STORE_API_KEY, tmpDir, writeStore } from '../helpers/fs.js';
import { FakeClock } from '../helpers/runtime.js';

const REAL_GIT = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
const STORE = STORE_API_KEY('research', 'OPENAI_API_KEY', CANARY);

interface Setup {
  repo: string;
  home: string;
  cacheFile: string;
  /** The git calls made since the last look. */
  calls(): string[];
  status(extra?: Record<string, string>, clock?: FakeClock): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function setup(repo = gitRepo()): Setup {
  const home = tmpDir('llm-auth-home-');
  const bin = tmpDir('llm-auth-bin-');
  const log = path.join(bin, 'calls.log');
  fs.writeFileSync(path.join(bin, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${REAL_GIT}' "$@"\n`, {
    mode: 0o755,
  });
  let seen = 0;
  return {
    repo,
    home,
    cacheFile: path.join(home, '.cache', 'llm-auth', 'verdicts.json'),
    calls() {
      const all = fs.existsSync(log)
        ? fs
            .readFileSync(log, 'utf8')
            .split('\n')
            .filter((l) => l !== '')
        : [];
      const fresh = all.slice(seen);
      seen = all.length;
      return fresh;
    },
    status: (extra = {}, clock = new FakeClock(Date.now() + 60_000)) =>
      runCli(['status'], { cwd: repo, home, path: `${bin}:${process.env.PATH}`, env: extra, clock }),
  };
}

/** A repository that ignores /.env, with one commit, and the store. */
function ignoring(s: Setup): Setup {
  fs.writeFileSync(path.join(s.repo, '.gitignore'), '/.env\n');
  commitAll(s.repo, 'base');
  writeStore(path.join(s.repo, '.env'), STORE);
  return s;
}

/** A commit holding `.env`, made with plumbing: neither the index nor the work tree changes. */
function commitWithEnv(repo: string): string {
  const blob = execFileSync(REAL_GIT, ['hash-object', '-w', '--stdin'], {
    cwd: repo,
    input: 'OPENAI_API_KEY=old\n',
    encoding: 'utf8',
  }).trim();
  const tree = execFileSync(REAL_GIT, ['mktree'], { cwd: repo, input: `100644 blob ${blob}\t.env\n`, encoding: 'utf8' }).trim();
  return git(repo, 'commit-tree', '-p', 'HEAD', '-m', 'leak', tree).trim();
}

const passes = async (s: Setup): Promise<void> => {
  const r = await s.status();
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
};

const notIgnored = (s: Setup): string => `error: ${path.join(s.repo, '.env')} is not ignored by git; add /.env to .gitignore\n`;
const inHistory = (s: Setup): string =>
  `error: ${path.join(s.repo, '.env')} appears in git commit history; rotate the secrets it held and purge it from history\n`;

describe('the verdict cache', () => {
  it('a repeated status spawns no git process, and status writes the cache file and nothing else', async () => {
    const s = ignoring(setup());
    const before = snapshot(s.repo);
    await passes(s);
    expect(s.calls().length).toBeGreaterThanOrEqual(4);
    await passes(s);
    await passes(s);
    expect(s.calls()).toEqual([]);
    expect(snapshot(s.repo)).toEqual(before);
    expect(listTree(s.home)).toEqual(['.cache/llm-auth/verdicts.json']);
    expect(mode(s.cacheFile)).toBe('600');
    expect(mode(path.dirname(s.cacheFile))).toBe('700');
    const text = fs.readFileSync(s.cacheFile, 'utf8');
    for (const piece of [CANARY, CANARY.slice(0, 8), CANARY.slice(-6)]) expect(text).not.toContain(piece);
  });

  it('git add -f .env: the tracked check runs again and refuses the store', async () => {
    const s = ignoring(setup());
    await passes(s);
    git(s.repo, 'add', '-f', '.env');
    s.calls();
    const r = await s.status();
    expect(r.stderr).toBe(
      `error: ${path.join(s.repo, '.env')} is tracked by git; untrack it (git rm --cached .env) and rotate the secrets it held\n`,
    );
    expect(r.code).toBe(1);
  });

  it('a new commit holding .env on a side branch: only the new history is walked, and it is found', async () => {
    const s = ignoring(setup());
    await passes(s);
    git(s.repo, 'commit', '-q', '--allow-empty', '-m', 'more');
    s.calls();
    await passes(s);
    // Only the refs changed: no check-ignore, no ls-files, and the walk starts from the new tips. (The last
    // two run at once: the log's order is theirs to choose.)
    const calls = s.calls().map((c) => c.replace(/^-c core.fsmonitor=false -C \S+ /, ''));
    expect(calls[0]).toBe('rev-list --no-walk=unsorted --all --reflog');
    expect(calls.slice(1).sort()).toEqual([
      'for-each-ref --format=%(objecttype) %(objectname) %(*objecttype) %(*objectname)',
      'rev-list -n1 --full-history --stdin -- :(literal,icase).env',
    ]);
    git(s.repo, 'update-ref', 'refs/heads/side', commitWithEnv(s.repo));
    const r = await s.status();
    expect(r.stderr).toBe(inHistory(s));
    expect(r.code).toBe(1);
  });

  it('refs that changed too recently are not vouched for, but the tips walked are kept', async () => {
    const s = ignoring(setup());
    await passes(s);
    git(s.repo, 'commit', '-q', '--allow-empty', '-m', 'more');
    // A ref whose time says it changed within RACY_MS of the check (a commit just before it).
    const soon = new Date(Date.now() + 3_600_000);
    fs.utimesSync(path.join(s.repo, '.git', 'refs', 'heads', 'main'), soon, soon);
    s.calls();
    await passes(s);
    expect(s.calls().some((c) => c.includes('rev-list -n1 --full-history --stdin'))).toBe(true);
    // Asked again (not vouched for), but nothing new to walk: the tips were kept.
    await passes(s);
    const again = s.calls().map((c) => c.replace(/^-c core.fsmonitor=false -C \S+ /, ''));
    expect(again).toEqual([
      'rev-list --no-walk=unsorted --all --reflog',
      'for-each-ref --format=%(objecttype) %(objectname) %(*objecttype) %(*objectname)',
    ]);
    git(s.repo, 'update-ref', 'refs/heads/side', commitWithEnv(s.repo));
    expect((await s.status()).stderr).toBe(inHistory(s));
  });

  it('a stash holding .env is found after a cached pass', async () => {
    const s = ignoring(setup());
    await passes(s);
    await passes(s);
    git(s.repo, 'stash', 'store', '-m', 'wip', commitWithEnv(s.repo));
    expect((await s.status()).stderr).toBe(inHistory(s));
  });

  it('a deleted branch that still has a reflog entry is found', async () => {
    const s = ignoring(setup());
    git(s.repo, 'commit', '-q', '--allow-empty', '-m', 'one');
    await passes(s);
    await passes(s);
    git(s.repo, 'update-ref', '-m', 'leak', 'HEAD', commitWithEnv(s.repo));
    git(s.repo, 'reset', '-q', '--soft', 'HEAD~1');
    expect((await s.status()).stderr).toBe(inHistory(s));
  });

  it('an edited .gitignore, info/exclude and core.excludesFile are each seen', async () => {
    const s = setup();
    fs.writeFileSync(path.join(s.repo, '.gitignore'), '/.env\n');
    writeStore(path.join(s.repo, '.env'), STORE);
    await passes(s);
    // The rule moves to info/exclude: still ignored, asked again.
    fs.writeFileSync(path.join(s.repo, '.gitignore'), '# nothing\n');
    fs.writeFileSync(path.join(s.repo, '.git', 'info', 'exclude'), '/.env\n');
    s.calls();
    await passes(s);
    expect(s.calls().length).toBeGreaterThan(0);
    // Then to an excludes file the repository's config names.
    const excludes = path.join(s.home, 'ignore-these');
    fs.writeFileSync(excludes, '.env\n');
    fs.writeFileSync(path.join(s.repo, '.git', 'info', 'exclude'), '');
    git(s.repo, 'config', 'core.excludesFile', excludes);
    await passes(s);
    await passes(s);
    // Editing that file (not the config) is seen too.
    fs.writeFileSync(excludes, '# emptied\n');
    expect((await s.status()).stderr).toBe(notIgnored(s));
  });

  it("the user's global ignore file and config are inputs", async () => {
    const s = setup();
    const xdg = path.join(s.home, '.config');
    fs.mkdirSync(path.join(xdg, 'git'), { recursive: true });
    fs.writeFileSync(path.join(xdg, 'git', 'ignore'), '.env\n');
    writeStore(path.join(s.repo, '.env'), STORE);
    await passes(s);
    await passes(s);
    fs.writeFileSync(path.join(xdg, 'git', 'ignore'), 'other\n');
    expect((await s.status()).stderr).toBe(notIgnored(s));
    fs.writeFileSync(path.join(xdg, 'git', 'ignore'), '.env\n');
    await passes(s);
    fs.writeFileSync(path.join(s.home, '.gitconfig'), '[core]\n\texcludesFile = /nonexistent/ignore\n');
    expect((await s.status()).stderr).toBe(notIgnored(s));
  });

  it('a new outer repository is asked', async () => {
    const outer = tmpDir();
    const inner = path.join(outer, 'inner');
    fs.mkdirSync(inner);
    const s = ignoring(setup(gitRepo(inner)));
    await passes(s);
    await passes(s);
    // An outer repository whose index holds inner/.env (plumbing: `git add` stops at the inner repository).
    gitRepo(outer);
    const blob = execFileSync(REAL_GIT, ['hash-object', '-w', '--stdin'], { cwd: outer, input: 'x\n', encoding: 'utf8' }).trim();
    git(outer, 'update-index', '--add', '--cacheinfo', `100644,${blob},inner/.env`);
    const r = await s.status();
    expect(r.stderr).toBe(
      `error: ${path.join(inner, '.env')} is tracked by git; untrack it (git rm --cached inner/.env) and rotate the secrets it held\n`,
    );
    expect(r.code).toBe(1);
  });

  it('a first check asks four questions; rev-parse only where the config moves the work tree', async () => {
    const s = ignoring(setup());
    await passes(s);
    const strip = (calls: string[]): string[] =>
      calls.map((c) => c.replace(/^-c core.fsmonitor=false -C \S+ /, '').split(' ')[0]!);
    // Asked at once: in whatever order the processes start.
    expect(strip(s.calls()).sort()).toEqual(['check-ignore', 'for-each-ref', 'ls-files', 'rev-list']);
    // core.worktree: the store's directory is no longer the work tree; git says so, and nothing is assumed.
    const elsewhere = tmpDir();
    git(s.repo, 'config', 'core.worktree', elsewhere);
    const r = await s.status({ LLM_AUTH_NO_CACHE: '1' });
    expect(strip(s.calls())).toContain('rev-parse');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot check .* with git: /);
  });

  it('not understood, not cached: config includes', async () => {
    const s = ignoring(setup());
    fs.appendFileSync(path.join(s.repo, '.git', 'config'), '[include]\n\tpath = extra.config\n');
    await passes(s);
    s.calls();
    await passes(s);
    expect(s.calls().length).toBeGreaterThan(0);
    expect(fs.existsSync(s.cacheFile)).toBe(false);
  });

  it('LLM_AUTH_NO_CACHE turns it off: every run asks git, nothing is written', async () => {
    const s = ignoring(setup());
    await passes(s);
    s.calls();
    const r = await s.status({ LLM_AUTH_NO_CACHE: '1' });
    expect(r.code).toBe(0);
    expect(s.calls().length).toBeGreaterThan(0);
    fs.rmSync(path.dirname(s.cacheFile), { recursive: true });
    await s.status({ LLM_AUTH_NO_CACHE: '1' });
    expect(fs.existsSync(s.cacheFile)).toBe(false);
  });

  it('XDG_CACHE_HOME decides where it lives', async () => {
    const s = ignoring(setup());
    const xdg = tmpDir('llm-auth-xdg-');
    expect((await s.status({ XDG_CACHE_HOME: xdg })).code).toBe(0);
    expect(listTree(xdg)).toEqual(['llm-auth/verdicts.json']);
    expect(fs.existsSync(s.cacheFile)).toBe(false);
  });

  it('inputs changed within RACY_MS of the check are not cached', async () => {
    const s = ignoring(setup());
    await s.status({}, new FakeClock(Date.now()));
    expect(fs.existsSync(s.cacheFile)).toBe(false);
  });

  it('a cache file others may write, or one that does not parse, is not trusted', async () => {
    const s = ignoring(setup());
    await passes(s);
    git(s.repo, 'add', '-f', '.env');
    // Planted: this fingerprint, claimed to pass. Writable by others, so it is ignored.
    await s.status({ LLM_AUTH_NO_CACHE: '' });
    const planted = fs.readFileSync(s.cacheFile, 'utf8');
    git(s.repo, 'rm', '-q', '--cached', '.env');
    await passes(s);
    s.calls();
    fs.writeFileSync(s.cacheFile, planted.replace(/"inputs":"[^"]*"/, '"inputs":"x"'));
    fs.chmodSync(s.cacheFile, 0o666);
    await passes(s);
    expect(s.calls().length).toBeGreaterThan(0);
    fs.writeFileSync(s.cacheFile, '{not json');
    fs.chmodSync(s.cacheFile, 0o600);
    await passes(s);
    expect(s.calls().length).toBeGreaterThan(0);
    await passes(s);
    expect(s.calls()).toEqual([]);
  });

  it('is never written into a cache directory others may write', async () => {
    const s = ignoring(setup());
    const dir = path.dirname(s.cacheFile);
    fs.mkdirSync(dir, { recursive: true });
    fs.chmodSync(dir, 0o777);
    await passes(s);
    expect(listTree(dir)).toEqual([]);
    // The same directory made private again: now the pass is kept.
    fs.chmodSync(dir, 0o700);
    await passes(s);
    expect(listTree(dir)).toEqual(['verdicts.json']);
  });

  it('is never written inside a repository (HOME is a dotfiles repository)', async () => {
    const s = ignoring(setup());
    gitRepo(s.home);
    await passes(s);
    expect(listTree(s.home).filter((f) => !f.startsWith('.git/'))).toEqual([]);
  });
});

/** Every file of the work tree and .git with its bytes' length and mtime: what status must leave alone. */
function snapshot(dir: string): string[] {
  return listTree(dir).map((f) => {
    const st = fs.statSync(path.join(dir, f));
    return `${f} ${st.size} ${st.mtimeMs}`;
  });
}

// The safety checks amended by core.md §8.10: every enclosing repository, every ref and reflog entry, the
// user's git context (GIT_DIR, GIT_CONFIG_GLOBAL, core.ignorecase), no code from an inspected Mercurial
// repository, and the target of a symbolic link.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CANARY, runCli } from '../helpers/cli.js';
import { commitAll, git, gitRepo, hg, hgInit, STORE_API_KEY, tmpDir, writeStore } from '../helpers/fs.js';

const STORE = STORE_API_KEY('research', 'OPENAI_API_KEY', CANARY);

const tracked = (store: string, vcs: string, untrack: string): string =>
  `error: ${store} is tracked by ${vcs}; untrack it (${untrack}) and rotate the secrets it held\n`;
const inHistory = (store: string, vcs = 'git'): string =>
  `error: ${store} appears in ${vcs} commit history; rotate the secrets it held and purge it from history\n`;

/** A git repository whose `.gitignore` ignores `/.env`, with one commit. */
function ignoringRepo(dir = gitRepo()): string {
  fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
  commitAll(dir, 'base');
  return dir;
}

describe('every enclosing repository', () => {
  it('an outer git repository that tracks inner/.env refuses it, though the inner one ignores it', async () => {
    const outer = gitRepo();
    const inner = path.join(outer, 'inner');
    writeStore(path.join(inner, '.env'), 'OLD=1\n');
    commitAll(outer, 'tracks inner/.env');
    ignoringRepo(gitRepo(inner));
    writeStore(path.join(inner, '.env'), STORE);
    const r = await runCli(['status'], { cwd: inner });
    expect(r).toMatchObject({
      code: 1,
      stdout: '',
      stderr: tracked(path.join(inner, '.env'), 'git', 'git rm --cached inner/.env'),
    });
    const add = await runCli(['add-api-key', 'x', 'openai'], { cwd: inner });
    expect(add.code).toBe(1);
    expect(fs.readFileSync(path.join(inner, '.env'), 'utf8')).toBe(STORE);
  });

  it('an outer Mercurial repository that tracks inner/.env refuses it', async () => {
    const outer = tmpDir();
    hgInit(outer);
    const inner = path.join(outer, 'inner');
    writeStore(path.join(inner, '.env'), 'OLD=1\n');
    hg(outer, 'add', 'inner/.env');
    fs.writeFileSync(path.join(outer, '.hgignore'), '^inner/\\.env$\n');
    ignoringRepo(gitRepo(inner));
    const r = await runCli(['status'], { cwd: inner });
    expect(r).toMatchObject({ code: 1, stderr: tracked(path.join(inner, '.env'), 'mercurial', 'hg forget inner/.env') });
  });

  it('passes a store every enclosing repository ignores', async () => {
    const outer = gitRepo();
    fs.writeFileSync(path.join(outer, '.gitignore'), '.env\n');
    fs.mkdirSync(path.join(outer, 'inner'));
    const inner = ignoringRepo(gitRepo(path.join(outer, 'inner')));
    writeStore(path.join(inner, '.env'), STORE);
    expect(await runCli(['status'], { cwd: inner })).toMatchObject({ code: 0, stderr: '' });
  });

  it('a .git file that points nowhere fails closed', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, '.git'), 'gitdir: ../moved-away/.git/worktrees/wt\n');
    fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
    writeStore(path.join(dir, '.env'), STORE);
    const r = await runCli(['status'], { cwd: dir });
    const target = path.resolve(dir, '../moved-away/.git/worktrees/wt');
    expect(r).toMatchObject({
      code: 1,
      stderr: `error: cannot check ${dir}/.env with git: ${dir}/.git points to ${target}, which does not exist\n`,
    });
  });
});

describe('every ref and reflog entry', () => {
  it('finds a store kept only in stash@{1}', async () => {
    const dir = ignoringRepo();
    fs.writeFileSync(path.join(dir, '.env'), 'K=1\n');
    git(dir, 'stash', '-q', '--all'); // ignored files too
    fs.writeFileSync(path.join(dir, 'other'), 'x\n');
    git(dir, 'stash', '-q', '-u');
    expect(git(dir, 'stash', 'list').split('\n').filter(Boolean)).toHaveLength(2);
    writeStore(path.join(dir, '.env'), STORE);
    expect(await runCli(['status'], { cwd: dir })).toMatchObject({ code: 1, stderr: inHistory(path.join(dir, '.env')) });
  });

  it('finds a store committed only on a deleted branch (reachable from the reflog)', async () => {
    const dir = ignoringRepo();
    git(dir, 'checkout', '-q', '-b', 'secret');
    writeStore(path.join(dir, '.env'), 'K=1\n');
    git(dir, 'add', '-f', '.env');
    git(dir, 'commit', '-q', '-m', 'oops');
    git(dir, 'checkout', '-q', 'main');
    git(dir, 'branch', '-q', '-D', 'secret');
    writeStore(path.join(dir, '.env'), STORE);
    expect(await runCli(['status'], { cwd: dir })).toMatchObject({ code: 1, stderr: inHistory(path.join(dir, '.env')) });
  });

  it('finds a store in a tree that a tag points at, directly or through an annotated tag', async () => {
    for (const annotated of [false, true]) {
      const dir = ignoringRepo();
      writeStore(path.join(dir, '.env'), 'K=1\n');
      git(dir, 'add', '-f', '.env');
      const tree = git(dir, 'write-tree').trim();
      git(dir, 'rm', '-q', '--cached', '.env');
      if (annotated) git(dir, 'tag', '-a', '-m', 'tree', 'snapshot', tree);
      else git(dir, 'tag', 'snapshot', tree);
      writeStore(path.join(dir, '.env'), STORE);
      expect(await runCli(['status'], { cwd: dir })).toMatchObject({ code: 1, stderr: inHistory(path.join(dir, '.env')) });
    }
  });
});

describe("the user's git context", () => {
  it('GIT_DIR and GIT_WORK_TREE: a dotfiles repository tracking $HOME/.env is asked too', async () => {
    const home = tmpDir();
    const gitDir = path.join(home, '.dotfiles');
    git(home, 'init', '-q', '--bare', gitDir);
    const store = path.join(home, '.env');
    writeStore(store, STORE);
    const dotfiles = (...args: string[]): string => git(home, `--git-dir=${gitDir}`, `--work-tree=${home}`, ...args);
    dotfiles('add', '-f', '.env');
    dotfiles('commit', '-q', '-m', 'dotfiles');
    fs.writeFileSync(path.join(gitDir, 'info', 'exclude'), '/.env\n');
    const env = { GIT_DIR: gitDir, GIT_WORK_TREE: home };
    expect(await runCli(['status'], { cwd: home, home, env })).toMatchObject({
      code: 1,
      stderr: tracked(store, 'git', 'git rm --cached .env'),
    });
    // Without the variables the same directory is no repository at all.
    expect(await runCli(['status'], { cwd: home, home })).toMatchObject({ code: 0, stderr: '' });
  });

  it('GIT_CONFIG_GLOBAL reaches git: the excludes file it names decides', async () => {
    const dir = gitRepo();
    writeStore(path.join(dir, '.env'), STORE);
    const config = path.join(tmpDir(), 'gitconfig');
    const excludes = path.join(path.dirname(config), 'excludes');
    fs.writeFileSync(excludes, '.env\n');
    fs.writeFileSync(config, `[core]\n\texcludesFile = ${excludes}\n`);
    expect(await runCli(['status'], { cwd: dir, env: { GIT_CONFIG_GLOBAL: config } })).toMatchObject({ code: 0, stderr: '' });
    expect((await runCli(['status'], { cwd: dir })).stderr).toBe(
      `error: ${dir}/.env is not ignored by git; add /.env to .gitignore\n`,
    );
  });

  it('core.ignorecase=true: a tracked .ENV, or one in history, is the store', async () => {
    const dir = ignoringRepo();
    fs.writeFileSync(path.join(dir, '.ENV'), 'K=1\n');
    git(dir, 'add', '.ENV');
    git(dir, 'commit', '-q', '-m', 'upper case');
    writeStore(path.join(dir, '.env'), STORE);
    const store = path.join(dir, '.env');
    // Case-sensitive (Linux's default): another file.
    expect(await runCli(['status'], { cwd: dir })).toMatchObject({ code: 0, stderr: '' });
    git(dir, 'config', 'core.ignorecase', 'true');
    expect(await runCli(['status'], { cwd: dir })).toMatchObject({
      code: 1,
      stderr: tracked(store, 'git', 'git rm --cached .env'),
    });
    git(dir, 'rm', '-q', '--cached', '.ENV');
    git(dir, 'commit', '-q', '-m', 'untrack');
    expect(await runCli(['status'], { cwd: dir })).toMatchObject({ code: 1, stderr: inHistory(store) });
  });
});

describe('no code from the inspected repository', () => {
  it("Mercurial runs no hook and loads no extension from the repository's .hg/hgrc", async () => {
    const dir = tmpDir();
    hgInit(dir);
    fs.writeFileSync(path.join(dir, '.hgignore'), '^\\.env$\n');
    writeStore(path.join(dir, '.env'), STORE);
    const evil = path.join(dir, 'evil.py');
    fs.writeFileSync(evil, `open(${JSON.stringify(path.join(dir, 'extension-ran'))}, 'w').close()\n`);
    const hook = `touch ${path.join(dir, 'hook-ran')}`;
    fs.writeFileSync(
      path.join(dir, '.hg', 'hgrc'),
      `[extensions]\nevil = ${evil}\n[hooks]\npre-root = ${hook}\npre-files = ${hook}\npre-log = ${hook}\npre-debugignore = ${hook}\n[alias]\nroot = log -r nothing\n`,
    );
    // The trap works: plain hg runs both.
    hg(dir, 'root');
    expect(fs.existsSync(path.join(dir, 'hook-ran')) && fs.existsSync(path.join(dir, 'extension-ran'))).toBe(true);
    fs.rmSync(path.join(dir, 'hook-ran'));
    fs.rmSync(path.join(dir, 'extension-ran'));
    expect(await runCli(['status'], { cwd: dir })).toMatchObject({ code: 0, stderr: '' });
    expect(fs.existsSync(path.join(dir, 'hook-ran'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'extension-ran'))).toBe(false);
  });
});

describe('symbolic links', () => {
  it('checks the file a symlinked store points to: a tracked target is refused', async () => {
    const dir = ignoringRepo();
    const target = path.join(dir, 'secrets.txt');
    fs.appendFileSync(path.join(dir, '.gitignore'), 'secrets.txt\n');
    writeStore(target, STORE);
    git(dir, 'add', '-f', 'secrets.txt');
    fs.symlinkSync('secrets.txt', path.join(dir, '.env'));
    const r = await runCli(['status'], { cwd: dir });
    expect(r).toMatchObject({ code: 1, stderr: tracked(target, 'git', 'git rm --cached secrets.txt') });
  });

  it('a symlink to an ignored file in another repository is checked there too', async () => {
    const other = ignoringRepo();
    fs.writeFileSync(path.join(other, '.gitignore'), 'keys.env\n');
    writeStore(path.join(other, 'keys.env'), STORE);
    const dir = ignoringRepo();
    fs.symlinkSync(path.join(other, 'keys.env'), path.join(dir, '.env'));
    expect(await runCli(['status'], { cwd: dir })).toMatchObject({ code: 0, stderr: '' });
    fs.writeFileSync(path.join(other, '.gitignore'), '');
    expect((await runCli(['status'], { cwd: dir })).stderr).toBe(
      `error: ${other}/keys.env is not ignored by git; add /keys.env to .gitignore\n`,
    );
  });
});

// The git safety checks against real repositories (core.md §8.4, §8.7, §8.9).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CANARY, runCli } from '../helpers/cli.js';
import { commitAll, git, gitRepo, STORE_API_KEY, tmpDir, writeStore } from '../helpers/fs.js';

const STORE = STORE_API_KEY('research', 'OPENAI_API_KEY', CANARY);

function setup(options: { ignore?: string | null; dir?: string } = {}): { dir: string; store: string } {
  const dir = options.dir ?? gitRepo();
  if (options.ignore !== null) fs.writeFileSync(path.join(dir, '.gitignore'), options.ignore ?? '/.env\n');
  const store = path.join(dir, '.env');
  writeStore(store, STORE);
  return { dir, store };
}

const ok = (r: { code: number | null; stderr: string }): void => {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
};

describe('git safety checks', () => {
  it('passes an ignored, untracked store in a repository with no commits', async () => {
    const { dir } = setup();
    ok(await runCli(['status'], { cwd: dir }));
  });

  it('refuses a store that is not ignored, naming the pattern to add', async () => {
    const { dir, store } = setup({ ignore: null });
    const r = await runCli(['status'], { cwd: dir });
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: `error: ${store} is not ignored by git; add /.env to .gitignore\n` });
  });

  it('refuses `!.env` negation (a negated rule is not ignored)', async () => {
    const { dir, store } = setup({ ignore: '.env\n!.env\n' });
    const r = await runCli(['status'], { cwd: dir });
    expect(r.stderr).toBe(`error: ${store} is not ignored by git; add /.env to .gitignore\n`);
  });

  it('accepts a store ignored only through .git/info/exclude', async () => {
    const { dir } = setup({ ignore: null });
    fs.appendFileSync(path.join(dir, '.git', 'info', 'exclude'), '.env\n');
    ok(await runCli(['status'], { cwd: dir }));
  });

  it('refuses a tracked store (git add -f)', async () => {
    const { dir, store } = setup();
    git(dir, 'add', '-f', '.env');
    const r = await runCli(['status'], { cwd: dir });
    expect(r).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `error: ${store} is tracked by git; untrack it (git rm --cached .env) and rotate the secrets it held\n`,
    });
  });

  const inHistory = (store: string): string =>
    `error: ${store} appears in git commit history; rotate the secrets it held and purge it from history\n`;

  it('refuses a store committed once and deleted since', async () => {
    const { dir, store } = setup({ ignore: null });
    commitAll(dir, 'oops');
    git(dir, 'rm', '-q', '--cached', '.env');
    fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
    commitAll(dir, 'fix');
    const r = await runCli(['status'], { cwd: dir });
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: inHistory(store) });
  });

  it('finds a store added and deleted on a side branch that was merged and deleted (--full-history)', async () => {
    const { dir, store } = setup();
    commitAll(dir, 'base');
    git(dir, 'checkout', '-q', '-b', 'side');
    git(dir, 'add', '-f', '.env');
    git(dir, 'commit', '-q', '-m', 'add secret');
    git(dir, 'rm', '-q', '--cached', '.env');
    git(dir, 'commit', '-q', '-m', 'remove secret');
    git(dir, 'checkout', '-q', 'main');
    git(dir, 'merge', '-q', '--no-ff', '-m', 'merge side', 'side');
    git(dir, 'branch', '-q', '-D', 'side');
    // Without --full-history git's simplification would skip the side branch.
    expect(git(dir, 'rev-list', '-n1', '--all', '--', '.env')).toBe('');
    const r = await runCli(['status'], { cwd: dir });
    expect(r).toMatchObject({ code: 1, stderr: inHistory(store) });
  });

  it('finds a store kept only in `git stash -u`', async () => {
    const { dir, store } = setup({ ignore: null });
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'base');
    git(dir, 'stash', '-q', '-u');
    expect(fs.existsSync(store)).toBe(false);
    fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
    writeStore(store, STORE);
    const r = await runCli(['status'], { cwd: dir });
    expect(r).toMatchObject({ code: 1, stderr: inHistory(store) });
  });

  it('works in a path with spaces and from another directory with --env-file', async () => {
    const base = tmpDir();
    const dir = path.join(base, 'my repo with spaces');
    fs.mkdirSync(dir);
    gitRepo(dir);
    setup({ dir });
    ok(await runCli(['--env-file', path.join(dir, '.env'), 'status'], { cwd: base }));
    git(dir, 'add', '-f', '.env');
    const r = await runCli(['status', '--env-file', path.join(dir, '.env')], { cwd: base });
    expect(r.stderr).toBe(
      `error: ${path.join(dir, '.env')} is tracked by git; untrack it (git rm --cached .env) and rotate the secrets it held\n`,
    );
  });

  it('checks a store in a subdirectory with its path relative to the root', async () => {
    const dir = gitRepo();
    const store = path.join(dir, 'config', '.env');
    writeStore(store, STORE);
    const r = await runCli(['--env-file', 'config/.env', 'status'], { cwd: dir });
    expect(r.stderr).toBe('error: config/.env is not ignored by git; add /config/.env to .gitignore\n');
    fs.writeFileSync(path.join(dir, '.gitignore'), '/config/.env\n');
    ok(await runCli(['--env-file', 'config/.env', 'status'], { cwd: dir }));
  });

  // Only root can hand the repository to another user.
  it.skipIf(process.getuid?.() !== 0)('fails closed in a repository owned by another user (dubious ownership)', async () => {
    const { dir, store } = setup();
    for (const p of [dir, path.join(dir, '.git')]) fs.chownSync(p, 65534, 65534);
    const r = await runCli(['status'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: cannot check ${store} with git: fatal: detected dubious ownership in repository at '${dir}'\n`);
  });

  it('treats a fake .git directory as no repository: its .gitignore decides, nothing is tracked', async () => {
    const dir = tmpDir();
    fs.mkdirSync(path.join(dir, '.git'));
    const store = path.join(dir, '.env');
    writeStore(store, STORE);
    const r = await runCli(['status'], { cwd: dir });
    expect(r).toMatchObject({ code: 1, stderr: `error: ${store} is not ignored by git; add /.env to .gitignore\n` });
    fs.writeFileSync(path.join(dir, '.gitignore'), '*.env\n');
    ok(await runCli(['status'], { cwd: dir }));
  });

  it('falls back to the ignore files and warns when git is missing', async () => {
    const { dir, store } = setup({ ignore: null });
    // A PATH that has node but no git.
    const bin = tmpDir();
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    const refused = await runCli(['status'], { cwd: dir, path: bin });
    expect(refused).toMatchObject({ code: 1, stderr: `error: ${store} is not ignored by git; add /.env to .gitignore\n` });
    fs.writeFileSync(path.join(dir, '.gitignore'), '.env\n');
    git(dir, 'add', '-f', '.env'); // tracked, but without git nobody can tell
    const r = await runCli(['status'], { cwd: dir, path: bin });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"research"');
    expect(r.stderr).toBe(
      `warning: git not found; could not check whether ${store} is tracked by git or appears in its commit history\n`,
    );
  });

  it('runs the checks for a store in a directory that does not exist yet (add-api-key)', async () => {
    const dir = gitRepo();
    const r = await runCli(['--env-file', 'new/dir/.env', 'add-api-key', 'a', 'openai'], { cwd: dir });
    expect(r).toMatchObject({
      code: 1,
      stderr:
        'error: refusing to write API key surface to new/dir/.env: new/dir/.env is not ignored by git\n' +
        'hint: add /new/dir/.env to .gitignore, or pass --allow-unignored to write it anyway\n',
    });
    expect(fs.existsSync(path.join(dir, 'new'))).toBe(false);
    fs.writeFileSync(path.join(dir, '.gitignore'), '.env\n');
    const added = await runCli(['--env-file', 'new/dir/.env', 'add-api-key', 'a', 'openai'], { cwd: dir });
    expect(added).toMatchObject({
      code: 0,
      stderr: '',
      stdout: 'added a api-key surface for openai using OPENAI_A_API_KEY (without key)\n',
    });
    expect(fs.statSync(path.join(dir, 'new', 'dir', '.env')).mode & 0o777).toBe(0o600);
  });

  it('hands git no secret and no GIT_INDEX_FILE; a GIT_DIR that is no repository names none', async () => {
    const { dir } = setup();
    // A GIT_INDEX_FILE of the caller would make git answer from another index.
    ok(await runCli(['status'], { cwd: dir, env: { GIT_DIR: '/nonexistent', GIT_INDEX_FILE: '/nonexistent/index' } }));
  });
});

// Mercurial (real `hg`) and Sapling (a stand-in `sl` on PATH, test/fakes/sapling-bin/sl) safety checks.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CANARY, ROOT, runCli } from '../helpers/cli.js';
import { git, gitRepo, hg, STORE_API_KEY, tmpDir, writeStore, hgInit } from '../helpers/fs.js';

const STORE = STORE_API_KEY('research', 'OPENAI_API_KEY', CANARY);

function hgRepo(hgignore: string | null): { dir: string; store: string } {
  const dir = tmpDir();
  hgInit(dir);
  if (hgignore !== null) fs.writeFileSync(path.join(dir, '.hgignore'), hgignore);
  const store = path.join(dir, '.env');
  writeStore(store, STORE);
  return { dir, store };
}

describe('Mercurial safety checks', () => {
  it('passes a store ignored by glob or regexp syntax', async () => {
    for (const ignore of ['syntax: glob\n*.env\n', '^\\.env$\n', 'syntax: regexp\n\\.env$\n']) {
      const { dir } = hgRepo(ignore);
      const r = await runCli(['status'], { cwd: dir });
      expect(r).toMatchObject({ code: 0, stderr: '' });
    }
  });

  it('refuses a store that is not ignored, naming the escaped regexp to add', async () => {
    const { dir, store } = hgRepo('syntax: glob\n.env.*\n');
    const r = await runCli(['status'], { cwd: dir });
    expect(r).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `error: ${store} is not ignored by mercurial; add ^\\.env$ to .hgignore\n`,
    });
  });

  it('refuses a tracked store', async () => {
    const { dir, store } = hgRepo('syntax: glob\n*.env\n');
    hg(dir, 'add', '.env');
    const r = await runCli(['status'], { cwd: dir });
    expect(r).toMatchObject({
      code: 1,
      stderr: `error: ${store} is tracked by mercurial; untrack it (hg forget .env) and rotate the secrets it held\n`,
    });
  });

  it('refuses a store that was committed and forgotten since', async () => {
    const { dir, store } = hgRepo(null);
    hg(dir, 'add', '.env');
    hg(dir, 'commit', '-m', 'oops');
    hg(dir, 'forget', '.env');
    fs.writeFileSync(path.join(dir, '.hgignore'), 'syntax: glob\n.env\n');
    hg(dir, 'add', '.hgignore');
    hg(dir, 'commit', '-m', 'fix');
    const r = await runCli(['status'], { cwd: dir });
    expect(r).toMatchObject({
      code: 1,
      stderr: `error: ${store} appears in mercurial commit history; rotate the secrets it held and purge it from history\n`,
    });
  });

  it('falls back to .hgignore and warns when hg is missing', async () => {
    const { dir, store } = hgRepo('syntax: glob\n*.env\n');
    const bin = tmpDir();
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    const r = await runCli(['status'], { cwd: dir, path: bin });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `warning: hg not found; could not check whether ${store} is tracked by mercurial or appears in its commit history\n`,
    );
    fs.writeFileSync(path.join(dir, '.hgignore'), 'syntax: glob\n.env.*\n');
    const refused = await runCli(['status'], { cwd: dir, path: bin });
    expect(refused.stderr).toBe(`error: ${store} is not ignored by mercurial; add ^\\.env$ to .hgignore\n`);
  });
});

const SAPLING_PATH = `${path.join(ROOT, 'test', 'fakes', 'sapling-bin')}:${process.env.PATH}`;

function slRepo(state: { ignored?: string[]; tracked?: string[]; history?: string[] }): {
  dir: string;
  store: string;
  home: string;
} {
  const dir = tmpDir();
  fs.mkdirSync(path.join(dir, '.sl'));
  for (const [name, paths] of Object.entries(state)) fs.writeFileSync(path.join(dir, '.sl', name), paths.join('\n') + '\n');
  const store = path.join(dir, '.env');
  writeStore(store, STORE);
  return { dir, store, home: tmpDir() };
}

const calls = (home: string): string[][] =>
  fs
    .readFileSync(path.join(home, 'sl-calls.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as string[]);

describe('Sapling safety checks (stand-in sl)', () => {
  it('passes an ignored, untracked store and asks exactly the commands of the spec', async () => {
    const { dir, home } = slRepo({ ignored: ['.env'] });
    const r = await runCli(['status'], { cwd: dir, path: SAPLING_PATH, home });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(calls(home).sort()).toEqual(
      [
        ['--version'],
        ['--cwd', dir, 'root'],
        ['--cwd', dir, 'status', '-i', '-n', '--', 'path:.env'],
        ['--cwd', dir, 'status', '-A', '--', 'path:.env'],
        ['--cwd', dir, 'log', '-r', "file('path:.env')", '-T', '{node}\\n'],
      ].sort(),
    );
  });

  it("runs no hook from the repository's own config (HGRCSKIPREPO)", async () => {
    const { dir, home } = slRepo({ ignored: ['.env'] });
    const slDir = fs.existsSync(path.join(dir, '.sl')) ? path.join(dir, '.sl') : path.join(dir, '.git', 'sl');
    fs.writeFileSync(path.join(slDir, 'config'), `[hooks]\npre-status = touch ${path.join(dir, 'hook-ran')}\n`);
    expect(await runCli(['status'], { cwd: dir, path: SAPLING_PATH, home })).toMatchObject({ code: 0, stderr: '' });
    expect(fs.existsSync(path.join(dir, 'hook-ran'))).toBe(false);
  });

  it('refuses not ignored, tracked and in-history stores with the Sapling wording', async () => {
    const a = slRepo({});
    expect(await runCli(['status'], { cwd: a.dir, path: SAPLING_PATH, home: a.home })).toMatchObject({
      code: 1,
      stderr: `error: ${a.store} is not ignored by sapling; add /.env to .gitignore\n`,
    });
    const b = slRepo({ ignored: ['.env'], tracked: ['.env'] });
    expect(await runCli(['status'], { cwd: b.dir, path: SAPLING_PATH, home: b.home })).toMatchObject({
      code: 1,
      stderr: `error: ${b.store} is tracked by sapling; untrack it (sl forget .env) and rotate the secrets it held\n`,
    });
    const c = slRepo({ ignored: ['.env'], history: ['.env'] });
    expect(await runCli(['status'], { cwd: c.dir, path: SAPLING_PATH, home: c.home })).toMatchObject({
      code: 1,
      stderr: `error: ${c.store} appears in sapling commit history; rotate the secrets it held and purge it from history\n`,
    });
  });

  it('decides a store that does not exist yet by .gitignore (sl status cannot see it)', async () => {
    const { dir, store, home } = slRepo({});
    fs.rmSync(store);
    const refused = await runCli(['add-api-key', 'a', 'openai'], { cwd: dir, path: SAPLING_PATH, home });
    expect(refused).toMatchObject({
      code: 1,
      stderr:
        `error: refusing to write API key surface to ${store}: ${store} is not ignored by sapling\n` +
        'hint: add /.env to .gitignore, or pass --allow-unignored to write it anyway\n',
    });
    fs.writeFileSync(path.join(dir, '.gitignore'), '.env\n');
    const added = await runCli(['add-api-key', 'a', 'openai'], { cwd: dir, path: SAPLING_PATH, home });
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(calls(home).filter((c) => c.includes('-i'))).toEqual([]);
  });

  it('fails closed when sl errors', async () => {
    const { dir, store, home } = slRepo({ ignored: ['.env'] });
    fs.writeFileSync(path.join(dir, '.sl', 'broken'), '');
    expect(await runCli(['status'], { cwd: dir, path: SAPLING_PATH, home })).toMatchObject({
      code: 1,
      stderr: `error: cannot check ${store} with sapling: abort: repository corrupted (stand-in)\n`,
    });
  });

  it('treats another program called sl as missing: .gitignore decides, with a warning', async () => {
    const { dir, store, home } = slRepo({ ignored: ['.env'] });
    const other = `${path.join(ROOT, 'test', 'fakes', 'other-sl-bin')}:${process.env.PATH}`;
    const refused = await runCli(['status'], { cwd: dir, path: other, home });
    expect(refused.stderr).toBe(`error: ${store} is not ignored by sapling; add /.env to .gitignore\n`);
    fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
    const r = await runCli(['status'], { cwd: dir, path: other, home });
    expect(r).toMatchObject({
      code: 0,
      stderr: `warning: sl not found; could not check whether ${store} is tracked by sapling or appears in its commit history\n`,
    });
  });

  it('in a git checkout with .git/sl, git decides and Sapling history is also asked', async () => {
    const dir = gitRepo();
    fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
    const store = path.join(dir, '.env');
    writeStore(store, STORE);
    fs.mkdirSync(path.join(dir, '.git', 'sl'));
    const home = tmpDir();
    expect(await runCli(['status'], { cwd: dir, path: SAPLING_PATH, home })).toMatchObject({ code: 0, stderr: '' });
    fs.writeFileSync(path.join(dir, '.git', 'sl', 'history'), '.env\n');
    expect(await runCli(['status'], { cwd: dir, path: SAPLING_PATH, home })).toMatchObject({
      code: 1,
      stderr: `error: ${store} appears in sapling commit history; rotate the secrets it held and purge it from history\n`,
    });
    // git's own answers come first.
    git(dir, 'add', '-f', '.env');
    const tracked = await runCli(['status'], { cwd: dir, path: SAPLING_PATH, home });
    expect(tracked.stderr).toContain('is tracked by git');
    // Without Sapling installed, no warning: git already answered.
    fs.rmSync(path.join(dir, '.git', 'sl', 'history'));
    git(dir, 'rm', '-q', '--cached', '.env');
    expect(await runCli(['status'], { cwd: dir, home })).toMatchObject({ code: 0, stderr: '' });
  });
});

// How the CLI process starts and writes: the code cache of bin/start.cjs, what a repeated status loads (no
// child_process, crypto, fs/promises, net, tty or os: they cost start-up time), and the synchronous stdout when
// the pipe it was given is non-blocking and full.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CANARY, ROOT, runBin, runCli, SCRIPT_BIN } from '../helpers/cli.js';
import { commitAll, gitRepo, listTree, mode, STORE_API_KEY, tmpDir, writeStore } from '../helpers/fs.js';
import { FakeClock, testEnv } from '../helpers/runtime.js';

/** A committed repository that ignores /.env, with a store of `n` api-key surfaces. */
function repoWithStore(n = 1): string {
  const dir = gitRepo();
  fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
  commitAll(dir, 'base');
  let text = '';
  for (let i = 0; i < n; i++) text += STORE_API_KEY(`s${i}`, `KEY_${i}`, i === 0 ? CANARY : `sk-other-${i}-0123456789abcdef`);
  writeStore(path.join(dir, '.env'), text);
  return dir;
}

const singleExecutable = process.env.LLM_AUTH_BIN !== undefined;

/** The name bin/start.cjs gives a bundle's code cache. */
function codeCacheName(file: string): string {
  const st = fs.statSync(path.join(ROOT, 'dist', file));
  return `${path.basename(file, '.cjs')}-${process.version}-${process.arch}-${st.size}-${Math.floor(st.mtimeMs)}.v8cache`;
}

describe('start-up', () => {
  it.skipIf(singleExecutable)('bin/llm-auth keeps a V8 code cache in its cache directory, 0600, and uses it', async () => {
    const dir = repoWithStore();
    const home = tmpDir('llm-auth-home-');
    const first = await runBin(['status'], { cwd: dir, home });
    expect(first.code).toBe(0);
    const cacheDir = path.join(home, '.cache', 'llm-auth');
    const files = listTree(cacheDir).filter((f) => f !== 'verdicts.json');
    // `status` runs from the status bundle (test/e2e/status-bundle.test.ts).
    expect(files).toEqual([codeCacheName('status.cjs')]);
    for (const f of files) expect((fs.statSync(path.join(cacheDir, f)).mode & 0o077).toString(8)).toBe('0');
    expect(mode(cacheDir)).toBe('700');
    // Used, and a damaged one only costs a compile.
    expect(await runBin(['status'], { cwd: dir, home })).toEqual(first);
    for (const f of files) fs.writeFileSync(path.join(cacheDir, f), 'damaged');
    expect(await runBin(['status'], { cwd: dir, home })).toEqual(first);
  });

  it.skipIf(singleExecutable)(
    "another bundle's code cache unused for 30 days is removed when this one's is written",
    async () => {
      const dir = repoWithStore();
      const home = tmpDir('llm-auth-home-');
      const cacheDir = path.join(home, '.cache', 'llm-auth');
      fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      const old = path.join(cacheDir, 'cli-v20.0.0-x64-1-1.v8cache');
      const recent = path.join(cacheDir, 'cli-v20.0.0-x64-2-2.v8cache');
      for (const f of [old, recent]) fs.writeFileSync(f, 'x', { mode: 0o600 });
      const longAgo = new Date(Date.now() - 40 * 86_400_000);
      fs.utimesSync(old, longAgo, longAgo);
      expect((await runBin(['status'], { cwd: dir, home })).code).toBe(0);
      expect(fs.existsSync(old)).toBe(false);
      expect(fs.existsSync(recent)).toBe(true);
    },
  );

  it.skipIf(singleExecutable)('a status command line the status bundle hands on writes no code cache for it', async () => {
    const dir = repoWithStore();
    const home = tmpDir('llm-auth-home-');
    const cacheDir = path.join(home, '.cache', 'llm-auth');
    // The status bundle is loaded to parse this, then cli.cjs runs it: only cli.cjs's data is written.
    const help = await runBin(['status', '--help'], { cwd: dir, home });
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain('Usage: llm-auth status');
    expect(listTree(cacheDir).filter((f) => f.endsWith('.v8cache'))).toEqual([codeCacheName('cli.cjs')]);
    // A plain status then writes the status bundle's, from a run that compiled what status runs.
    expect((await runBin(['status'], { cwd: dir, home })).code).toBe(0);
    expect(listTree(cacheDir).filter((f) => f.endsWith('.v8cache'))).toEqual(
      [codeCacheName('cli.cjs'), codeCacheName('status.cjs')].sort(),
    );
    const statusData = fs.statSync(path.join(cacheDir, codeCacheName('status.cjs'))).size;
    const parserOnly = tmpDir('llm-auth-home-');
    // For comparison: what the status bundle's data would be had the handed-on run written it (loaded, not run).
    const probe = path.join(tmpDir(), 'probe.cjs');
    fs.writeFileSync(
      probe,
      `process.argv = [process.argv[0], 'llm-auth', 'status'];\nrequire(${JSON.stringify(path.join(ROOT, 'bin', 'start.cjs'))}).load();\n`,
    );
    spawnSync(process.execPath, [probe], { cwd: dir, env: testEnv({ cwd: dir, home: parserOnly }) });
    const loadedOnly = fs.statSync(path.join(parserOnly, '.cache', 'llm-auth', codeCacheName('status.cjs'))).size;
    expect(statusData).toBeGreaterThan(loadedOnly * 1.5);
  });

  it.skipIf(singleExecutable)('LLM_AUTH_NO_CACHE, or a cache directory others may write, means no code cache', async () => {
    const dir = repoWithStore();
    const home = tmpDir('llm-auth-home-');
    expect((await runBin(['status'], { cwd: dir, home, env: { LLM_AUTH_NO_CACHE: '1' } })).code).toBe(0);
    expect(fs.existsSync(path.join(home, '.cache'))).toBe(false);
    const cacheDir = path.join(home, '.cache', 'llm-auth');
    fs.mkdirSync(cacheDir, { recursive: true, mode: 0o777 });
    fs.chmodSync(cacheDir, 0o777);
    expect((await runBin(['status'], { cwd: dir, home })).code).toBe(0);
    expect(listTree(cacheDir)).toEqual([]);
  });

  it('a repeated status loads no child_process, crypto, fs/promises, net, tty, v8, os or module', async () => {
    const dir = repoWithStore();
    const home = tmpDir('llm-auth-home-');
    // The verdict is cached by a run whose clock is a minute ahead (the inputs were just written).
    expect((await runCli(['status'], { cwd: dir, home, clock: new FakeClock(Date.now() + 60_000) })).code).toBe(0);
    const hook = path.join(tmpDir(), 'hook.cjs');
    const out = `${hook}.txt`;
    fs.writeFileSync(
      hook,
      `const before = new Set(process.moduleLoadList);\nprocess.on('exit', () => require('fs').writeFileSync(${JSON.stringify(out)}, process.moduleLoadList.filter((m) => !before.has(m)).join('\\n')));\n`,
    );
    const r = spawnSync(process.execPath, ['--require', hook, '--', SCRIPT_BIN, 'status'], {
      cwd: dir,
      env: testEnv({ cwd: dir, home }),
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toHaveProperty('s0');
    const loaded = fs.readFileSync(out, 'utf8').split('\n');
    for (const name of ['child_process', 'crypto', 'fs/promises', 'net', 'tty', 'v8', 'stream', 'os', 'module']) {
      expect(loaded).not.toContain(`NativeModule ${name}`);
    }
  });

  it('writes all of a large status to a non-blocking pipe that fills up', async () => {
    const dir = repoWithStore(3000);
    const expected = (await runBin(['status'], { cwd: dir })).stdout;
    expect(expected.length).toBeGreaterThan(256 * 1024);
    // perl makes the pipe non-blocking, then becomes llm-auth (a Node parent cannot: libuv makes a child's
    // stdio blocking). The file description is shared, so llm-auth's writes meet EAGAIN whenever it is full.
    const child = spawn(
      'perl',
      ['-MFcntl', '-e', 'fcntl(STDOUT, F_SETFL, O_NONBLOCK) or die; exec @ARGV or die', SCRIPT_BIN, 'status'],
      {
        cwd: dir,
        env: testEnv({ cwd: dir }),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const chunks: Buffer[] = [];
    // Read slowly: one small piece per turn of the event loop, so the pipe fills.
    child.stdout.on('data', (b: Buffer) => {
      chunks.push(b);
      child.stdout.pause();
      setImmediate(() => child.stdout.resume());
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(expected);
  });
});

// Bad input: one `error:` line on stderr, exit 1, no stack trace, no secret, the file untouched.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CANARY, runCli } from '../helpers/cli.js';
import { gitRepo, listDir, STORE_API_KEY, writeStore } from '../helpers/fs.js';

function repo(): { dir: string; store: string } {
  const dir = gitRepo();
  fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
  return { dir, store: path.join(dir, '.env') };
}

/** Runs status and add-api-key; both must fail with exactly `message` and leave the file as it was. */
async function expectFailure(dir: string, store: string, message: string, code = 1): Promise<void> {
  const before = fs.existsSync(store) ? fs.lstatSync(store) : undefined;
  const bytes = before?.isFile() ? fs.readFileSync(store) : undefined;
  for (const args of [['status'], ['add-api-key', 'new', 'openai', '--key', CANARY]]) {
    const r = await runCli(args, { cwd: dir });
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: ${message}\n`);
    expect(r.code).toBe(code);
  }
  if (bytes) expect(fs.readFileSync(store).equals(bytes)).toBe(true);
  if (before) expect(fs.lstatSync(store).mtimeMs).toBe(before.mtimeMs);
  expect(listDir(dir).filter((n) => n.includes('.llm-auth-') || n.endsWith('.lock'))).toEqual([]);
}

describe('bad input', () => {
  it('reports the three envelope errors with path and line', async () => {
    const { dir, store } = repo();
    writeStore(store, `# BEGIN LLM AUTH SURFACE a api-key\n# BEGIN LLM AUTH SURFACE b api-key\nK=${CANARY}\n`);
    await expectFailure(dir, store, `nested auth surface envelope at ${store}:2`);
    writeStore(store, `# BEGIN LLM AUTH SURFACE a api-key\n# END LLM AUTH SURFACE a oauth\n`);
    await expectFailure(dir, store, `auth surface envelope opened as a api-key but closed as a oauth at ${store}:2`);
    writeStore(store, `K=${CANARY}\n# BEGIN LLM AUTH SURFACE a api-key\n`);
    await expectFailure(dir, store, `auth surface envelope opened at ${store}:2 without a matching END marker`);
  });

  it('shows the display path of --env-file in messages', async () => {
    const { dir, store } = repo();
    writeStore(store, '# BEGIN LLM AUTH SURFACE a api-key\n# BEGIN LLM AUTH SURFACE b api-key\n');
    fs.writeFileSync(path.join(dir, '.gitignore'), '.env\n');
    const r = await runCli(['--env-file', './.env', 'status'], { cwd: dir });
    expect(r).toMatchObject({ code: 1, stderr: 'error: nested auth surface envelope at .env:2\n' });
  });

  it('refuses invalid UTF-8', async () => {
    const { dir, store } = repo();
    writeStore(store, Buffer.concat([Buffer.from(`K=${CANARY}\n`), Buffer.from([0xff, 0xfe, 0x0a])]));
    await expectFailure(dir, store, `${store} is not valid UTF-8`);
  });

  it('refuses a huge file without reading it', async () => {
    const { dir, store } = repo();
    writeStore(store, '');
    fs.truncateSync(store, 17 * 1024 * 1024);
    await expectFailure(dir, store, `${store} is too large (${17 * 1024 * 1024} bytes; the limit is 16 MiB)`);
  });

  it('refuses a directory or a FIFO in place of the store', async () => {
    const { dir, store } = repo();
    fs.mkdirSync(store, { mode: 0o700 });
    await expectFailure(dir, store, `${store} is not a regular file`);
    fs.rmdirSync(store);
    execFileSync('mkfifo', ['-m', '600', store]);
    await expectFailure(dir, store, `${store} is not a regular file`);
  });

  // Root reads every file, so this runs only for other users; systemErrorReason is unit-tested for root too.
  it.skipIf(process.getuid?.() === 0)('reports an unreadable store by its error code', async () => {
    const { dir, store } = repo();
    writeStore(store, `K=${CANARY}\n`);
    fs.chmodSync(store, 0o200);
    await expectFailure(dir, store, `cannot read ${store}: EACCES: permission denied`);
  });

  it('reads through a symlinked store but refuses to write through it', async () => {
    const { dir, store } = repo();
    const target = path.join(dir, 'real.env');
    writeStore(target, STORE_API_KEY('research', 'OPENAI_API_KEY', CANARY));
    fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n/real.env\n');
    fs.symlinkSync(target, store);
    const status = await runCli(['status'], { cwd: dir });
    expect(status).toMatchObject({ code: 0, stderr: '' });
    expect((JSON.parse(status.stdout) as { research: { api_key: boolean } }).research.api_key).toBe(true);
    const before = fs.readFileSync(target);
    const r = await runCli(['add-api-key', 'new', 'openai'], { cwd: dir });
    expect(r).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `error: ${store} is a symbolic link; refusing to write through it\n`,
    });
    expect(fs.readFileSync(target).equals(before)).toBe(true);
    expect(fs.lstatSync(store).isSymbolicLink()).toBe(true);
  });

  it('reports a store path below a regular file by its error code', async () => {
    const { dir } = repo();
    fs.writeFileSync(path.join(dir, 'afile'), '');
    const r = await runCli(['--env-file', 'afile/.env', 'add-api-key', 'a', 'openai'], { cwd: dir });
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: 'error: cannot read afile/.env: ENOTDIR: not a directory\n' });
  });
});

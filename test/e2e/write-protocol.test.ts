// The write protocol (core.md §7): lock, re-read inside it, atomic rename, stale locks, interrupts.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CANARY, runBin, runCli } from '../helpers/cli.js';
import { gitRepo, listDir, mode, writeStore } from '../helpers/fs.js';
import { deadPid, FakeClock } from '../helpers/runtime.js';
import { parseEnvelopes } from '../../src/store/envelope.js';
import { parseAssignments } from '../../src/store/values.js';

function repo(): { dir: string; store: string; lock: string } {
  const dir = gitRepo();
  fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
  const store = path.join(dir, '.env');
  return { dir, store, lock: `${store}.lock` };
}

const lockBody = (pid: number, host = os.hostname()): string =>
  JSON.stringify({ created_at: Math.floor(Date.now() / 1000), host, nonce: '0123456789abcdef', pid }) + '\n';

describe('write protocol', () => {
  it('20 parallel add-api-key processes leave 20 intact envelopes', async () => {
    const { dir, store } = repo();
    writeStore(store, '# mine\nKEEP=1\n');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => runBin(['add-api-key', `s${i}`, 'openai', '--key', `${CANARY}-${i}`], { cwd: dir })),
    );
    for (const [i, r] of results.entries()) {
      expect(r.stdout).toBe(`added s${i} api-key surface for openai using OPENAI_S${i}_API_KEY (with key)\n`);
      expect(r.code).toBe(0);
    }
    const text = fs.readFileSync(store, 'utf8');
    expect(text.startsWith('# mine\nKEEP=1\n\n# BEGIN')).toBe(true);
    const surfaces = parseEnvelopes(text, 'F');
    expect(surfaces.map((s) => s.name).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `s${i}`).sort());
    const values = parseAssignments(text);
    for (let i = 0; i < 20; i++) expect(values.get(`OPENAI_S${i}_API_KEY`)).toBe(`${CANARY}-${i}`);
    expect(mode(store)).toBe('600');
    expect(listDir(dir)).toEqual(['.env', '.git', '.gitignore']);
  });

  it('takes over a stale lock of a dead process on this host at once', async () => {
    const { dir, lock } = repo();
    fs.writeFileSync(lock, lockBody(deadPid()), { mode: 0o600 });
    const r = await runCli(['add-api-key', 'a', 'openai'], { cwd: dir });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('takes over a lock whose mtime is over 60 s old, and an unparsable or empty one over 0.5 s old', async () => {
    const { dir, lock } = repo();
    fs.writeFileSync(lock, lockBody(1, 'another-host'), { mode: 0o600 });
    const old = new Date(Date.now() - 61_000);
    fs.utimesSync(lock, old, old);
    expect(await runCli(['add-api-key', 'a', 'openai'], { cwd: dir })).toMatchObject({ code: 0, stderr: '' });
    for (const [name, body] of [
      ['b', '{not json'],
      ['c', ''],
    ]) {
      fs.writeFileSync(lock, body!, { mode: 0o600 });
      const second = new Date(Date.now() - 1000);
      fs.utimesSync(lock, second, second);
      const clock = new FakeClock();
      expect(await runCli(['add-api-key', name!, 'openai'], { cwd: dir, clock })).toMatchObject({ code: 0, stderr: '' });
      expect(clock.sleeps).toEqual([]);
    }
    expect(listDir(dir)).toEqual(['.env', '.git', '.gitignore']);
  });

  it('takes over at once a lock whose pid now belongs to a later process (start time differs)', async () => {
    const { dir, lock } = repo();
    // Our own pid is alive; the recorded start time says the holder was another process.
    const body = JSON.stringify({
      created_at: 1,
      host: os.hostname(),
      nonce: '0123456789abcdef',
      pid: process.pid,
      started: '1',
    });
    fs.writeFileSync(lock, body + '\n', { mode: 0o600 });
    const clock = new FakeClock();
    expect(await runCli(['add-api-key', 'a', 'openai'], { cwd: dir, clock })).toMatchObject({ code: 0, stderr: '' });
    expect(clock.sleeps).toEqual([]);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('waits for a live lock, warns once after 1 s, and writes after it is released', async () => {
    const { dir, store, lock } = repo();
    fs.writeFileSync(lock, lockBody(process.pid), { mode: 0o600 });
    let released = false;
    const clock = new FakeClock();
    const started = clock.ms;
    // In process, on a fake clock: the holder lets go as soon as the wait is reported.
    const r = await runCli(['add-api-key', 'a', 'openai'], {
      cwd: dir,
      clock,
      onStderr: () => {
        if (!released) {
          released = true;
          expect(clock.ms - started).toBeGreaterThanOrEqual(1000);
          fs.unlinkSync(lock);
        }
      },
    });
    expect(r.stderr).toBe(`warning: waiting for ${store}.lock (held by pid ${process.pid})\n`);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(store, 'utf8')).toContain('# BEGIN LLM AUTH SURFACE a api-key');
  });

  it('removes temporary files a crashed writer left behind', async () => {
    const { dir, store } = repo();
    writeStore(store, 'A=1\n');
    const leftover = path.join(dir, '.env.llm-auth-99999-deadbeef.tmp');
    fs.writeFileSync(leftover, `K=${CANARY}\n`, { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'other.llm-auth-1-00000000.tmp'), 'not ours');
    expect((await runCli(['add-api-key', 'a', 'openai'], { cwd: dir })).code).toBe(0);
    expect(listDir(dir)).toEqual(['.env', '.git', '.gitignore', 'other.llm-auth-1-00000000.tmp']);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)(
    '%s while waiting for the lock: exit %i, `error: interrupted`, store and foreign lock untouched',
    async (signal, code) => {
      const { dir, store, lock } = repo();
      writeStore(store, `K=${CANARY}\n`);
      const foreign = lockBody(process.pid);
      fs.writeFileSync(lock, foreign, { mode: 0o600 });
      const r = await runBin(['add-api-key', 'a', 'openai'], {
        cwd: dir,
        onSpawn: (child) => {
          // The warning shows the process is inside the lock wait.
          child.stderr?.once('data', () => child.kill(signal));
        },
      });
      expect(r.code).toBe(code);
      expect(r.stderr).toBe(`warning: waiting for ${store}.lock (held by pid ${process.pid})\nerror: interrupted\n`);
      expect(fs.readFileSync(store, 'utf8')).toBe(`K=${CANARY}\n`);
      expect(fs.readFileSync(lock, 'utf8')).toBe(foreign);
      expect(listDir(dir)).toEqual(['.env', '.env.lock', '.git', '.gitignore']);
    },
  );

  it('keeps a mode stricter than 0600 (0400 stays 0400) and makes any other mode 0600', async () => {
    const { dir, store } = repo();
    writeStore(store, 'A=1\n');
    fs.chmodSync(store, 0o400);
    expect((await runCli(['add-api-key', 'a', 'openai'], { cwd: dir })).code).toBe(0);
    expect(mode(store)).toBe('400');
    fs.chmodSync(store, 0o700);
    // 0700 has no group or other bit, so the permission check lets it through; the rewrite makes it 0600.
    expect((await runCli(['add-api-key', 'b', 'openai'], { cwd: dir })).code).toBe(0);
    expect(mode(store)).toBe('600');
  });
});

describe('write failures', () => {
  // An immutable store (chattr +i) makes the final rename fail even for root, after the temporary file was
  // written: the case of a full disk or a read-only mount. Skipped where the filesystem has no such flag.
  const canChattr = ((): boolean => {
    const probe = path.join(os.tmpdir(), `llm-auth-chattr-${process.pid}`);
    try {
      fs.writeFileSync(probe, '');
      execFileSync('chattr', ['+i', probe], { stdio: 'ignore' });
      execFileSync('chattr', ['-i', probe], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    } finally {
      fs.rmSync(probe, { force: true });
    }
  })();

  it.skipIf(!canChattr)('a failed rename leaves the store untouched, no temporary file and no lock', async () => {
    const { dir, store } = repo();
    writeStore(store, `K=${CANARY}\n`);
    execFileSync('chattr', ['+i', store]);
    try {
      const r = await runCli(['add-api-key', 'a', 'openai'], { cwd: dir });
      expect(r).toMatchObject({
        code: 1,
        stdout: '',
        stderr: `error: could not write ${store}: EPERM: operation not permitted\n`,
      });
    } finally {
      execFileSync('chattr', ['-i', store]);
    }
    expect(fs.readFileSync(store, 'utf8')).toBe(`K=${CANARY}\n`);
    expect(listDir(dir)).toEqual(['.env', '.git', '.gitignore']);
  });
});

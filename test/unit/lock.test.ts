// The store lock in-process, with a short timeout (the CLI waits up to 120 s).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renameOver, withStoreLock } from '../../src/store/file.js';
import { acquireLock } from '../../src/store/lock.js';
import { tmpDir } from '../helpers/fs.js';
import { deadPid, FakeClock, testRuntime } from '../helpers/runtime.js';

const runtime = (dir: string, clock = new FakeClock()) => testRuntime({ cwd: dir, clock });

describe('acquireLock', () => {
  it('times out with the holder pid when a live lock is never released', async () => {
    const dir = tmpDir();
    const p = { absolute: path.join(dir, '.env'), display: 'x/.env' };
    // Virtual time: the 1.3 s of waiting pass at once, and the warning comes after 1 s of it.
    const clock = new FakeClock();
    const rt = runtime(dir, clock);
    const started = clock.ms;
    const held = await acquireLock(p, rt);
    const lockText = fs.readFileSync(`${p.absolute}.lock`, 'utf8');
    expect(JSON.parse(lockText)).toMatchObject({ pid: process.pid });
    // On Linux the holder's start time tells it from a later process that reused its pid.
    expect(JSON.parse(lockText)).toEqual({
      created_at: expect.any(Number) as number,
      host: os.hostname(),
      nonce: expect.stringMatching(/^[0-9a-f]{16}$/) as string,
      pid: process.pid,
      started: fs.readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19],
    });
    expect(fs.statSync(`${p.absolute}.lock`).mode & 0o777).toBe(0o600);
    // Written aside and linked into place: nothing else is left behind.
    expect(fs.readdirSync(dir)).toEqual(['.env.lock']);
    const warnings: string[] = [];
    await expect(acquireLock(p, rt, { timeoutMs: 1300, warn: (m) => warnings.push(m) })).rejects.toThrow(
      `timed out waiting for x/.env.lock (held by pid ${process.pid})`,
    );
    expect(warnings).toEqual([`waiting for x/.env.lock (held by pid ${process.pid})`]);
    expect(clock.ms - started).toBeGreaterThanOrEqual(1300);
    await held.release();
    expect(fs.existsSync(`${p.absolute}.lock`)).toBe(false);
  });

  it('does not delete a lock that is no longer ours', async () => {
    const dir = tmpDir();
    const p = { absolute: path.join(dir, '.env'), display: '.env' };
    const held = await acquireLock(p, runtime(dir));
    fs.writeFileSync(`${p.absolute}.lock`, '{"nonce":"someone-else"}');
    await held.release();
    expect(fs.readFileSync(`${p.absolute}.lock`, 'utf8')).toBe('{"nonce":"someone-else"}');
  });
});

describe('withStoreLock', () => {
  it('gives up with a clear error when another writer keeps changing the file without the lock', async () => {
    const dir = tmpDir();
    const p = { absolute: path.join(dir, '.env'), display: '.env' };
    fs.writeFileSync(p.absolute, 'A=1\n', { mode: 0o600 });
    let n = 0;
    await expect(
      withStoreLock(p, runtime(dir), (locked) =>
        locked.write((current) => {
          // A writer that ignores the lock changes the file between our read and our rename.
          fs.writeFileSync(p.absolute, `A=${++n}${'x'.repeat(n)}\n`);
          return `${current?.text ?? ''}B=2\n`;
        }),
      ),
    ).rejects.toThrow('.env changed during the update; try again');
    expect(n).toBe(3);
    expect(fs.readdirSync(dir).sort()).toEqual(['.env']);
  });

  it('writes nothing when the computation fails, and releases the lock', async () => {
    const dir = tmpDir();
    const p = { absolute: path.join(dir, 'sub', '.env'), display: '.env' };
    await expect(
      withStoreLock(p, runtime(dir), (locked) =>
        locked.write(() => {
          throw new Error('nope');
        }),
      ),
    ).rejects.toThrow('nope');
    expect(fs.readdirSync(path.join(dir, 'sub'))).toEqual([]);
  });
});

describe('renameOver', () => {
  const failing = (codes: string[]) => {
    const calls: string[] = [];
    return {
      calls,
      rename: (a: string, b: string) => {
        calls.push(`${a}->${b}`);
        const code = codes.shift();
        if (code) throw Object.assign(new Error(`${code}: busy`), { code });
      },
    };
  };

  it('retries EPERM, EACCES and EBUSY on Windows, up to 10 times', () => {
    const f = failing(['EPERM', 'EBUSY', 'EACCES']);
    const slept: number[] = [];
    renameOver('t', 's', { platform: 'win32', rename: f.rename, sleepMs: (ms) => slept.push(ms) });
    expect(f.calls).toHaveLength(4);
    expect(slept).toEqual([200, 200, 200]);
    const always = failing(Array(20).fill('EPERM') as string[]);
    expect(() => renameOver('t', 's', { platform: 'win32', rename: always.rename, sleepMs: () => undefined })).toThrow('EPERM');
    expect(always.calls).toHaveLength(11);
  });

  it('does not retry elsewhere, nor other errors', () => {
    const posix = failing(['EPERM']);
    expect(() => renameOver('t', 's', { platform: 'linux', rename: posix.rename })).toThrow('EPERM');
    expect(posix.calls).toHaveLength(1);
    const other = failing(['ENOSPC']);
    expect(() => renameOver('t', 's', { platform: 'win32', rename: other.rename })).toThrow('ENOSPC');
    expect(other.calls).toHaveLength(1);
  });
});

describe('systemErrorReason', () => {
  it('keeps the code and its description, never the path or the error object', async () => {
    const { systemErrorReason } = await import('../../src/lib/errors.js');
    expect(
      systemErrorReason(Object.assign(new Error("EACCES: permission denied, open '/secret/path/.env'"), { code: 'EACCES' })),
    ).toBe('EACCES: permission denied');
    expect(systemErrorReason(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }))).toBe(
      'ENOSPC: no space left on device',
    );
    expect(systemErrorReason(Object.assign(new Error('weird'), { code: 'EWEIRD' }))).toBe('EWEIRD');
    expect(systemErrorReason(null)).toBe('EUNKNOWN');
  });
});

describe('waiting in turn', () => {
  const held = (dir: string) => {
    const p = { absolute: path.join(dir, '.env'), display: '.env' };
    // A live holder: this process, with another nonce.
    fs.writeFileSync(
      `${p.absolute}.lock`,
      JSON.stringify({ created_at: 1, host: os.hostname(), nonce: 'x', pid: process.pid }) + '\n',
    );
    return p;
  };

  it('the first waiter polls every 10-20 ms; one behind a live older waiter every 50-100 ms, and leaves no entry', async () => {
    const dir = tmpDir();
    const p = held(dir);
    const queue = { dir, prefix: '.env.' };
    const alone = new FakeClock();
    await expect(acquireLock(p, runtime(dir, alone), { timeoutMs: 500, queue })).rejects.toThrow('timed out');
    expect(alone.sleeps.length).toBeGreaterThan(20);
    // The last sleep is cut short by the deadline.
    expect(alone.sleeps.slice(0, -1).every((ms) => ms >= 10 && ms <= 20)).toBe(true);

    fs.writeFileSync(path.join(dir, `.env.wait.${'0'.repeat(15)}-${process.pid}-00000000`), '');
    const behind = new FakeClock();
    await expect(acquireLock(p, runtime(dir, behind), { timeoutMs: 500, queue })).rejects.toThrow('timed out');
    expect(behind.sleeps.length).toBeGreaterThan(4);
    expect(behind.sleeps.slice(0, -1).every((ms) => ms >= 50 && ms <= 100)).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(['.env.lock', `.env.wait.${'0'.repeat(15)}-${process.pid}-00000000`]);
  });

  it('an older waiter whose process is gone loses its place (and its entry)', async () => {
    const dir = tmpDir();
    const p = held(dir);
    const dead = path.join(dir, `.env.wait.${'0'.repeat(15)}-${deadPid()}-00000000`);
    fs.writeFileSync(dead, '');
    const clock = new FakeClock();
    await expect(acquireLock(p, runtime(dir, clock), { timeoutMs: 300, queue: { dir, prefix: '.env.' } })).rejects.toThrow(
      'timed out',
    );
    expect(clock.sleeps.slice(0, -1).every((ms) => ms >= 10 && ms <= 20)).toBe(true);
    expect(fs.existsSync(dead)).toBe(false);
  });
});

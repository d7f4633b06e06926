// The store lock (core.md §7.1): `{store}.lock`, created exclusively, holding no secret; stale locks of dead
// processes (or older than 60 s) are taken over by exactly one contender; a heartbeat keeps ours fresh.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { hostname } from 'node:os';
import { storeError, systemErrorReason } from '../lib/errors.js';
import { onInterrupt } from '../lib/interrupt.js';
import type { StorePath } from './file.js';

export interface LockOptions {
  /** Gives up after this many milliseconds (default 120 s). */
  timeoutMs?: number;
  warn?: (message: string) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface LockInfo {
  readonly nonce: string | undefined;
  readonly pid: string;
  readonly stale: boolean;
  readonly raw: string;
}

const HOST = hostname();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function inspectLock(lockPath: string, nowMs: number): Promise<LockInfo | undefined> {
  let raw: string;
  let st: fs.Stats;
  try {
    st = await fsp.stat(lockPath);
    raw = await fsp.readFile(lockPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const age = nowMs - st.mtimeMs;
  let parsed: { host?: unknown; pid?: unknown; nonce?: unknown } | undefined;
  try {
    const value: unknown = JSON.parse(raw);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) parsed = value as typeof parsed;
  } catch {
    parsed = undefined;
  }
  if (!parsed) return { nonce: undefined, pid: 'unknown', stale: age > 10_000, raw };
  const pid = typeof parsed.pid === 'number' ? parsed.pid : NaN;
  const deadHere = parsed.host === HOST && Number.isInteger(pid) && pid > 0 && !pidAlive(pid);
  return {
    nonce: typeof parsed.nonce === 'string' ? parsed.nonce : undefined,
    pid: Number.isInteger(pid) ? String(pid) : 'unknown',
    stale: deadHere || age > 60_000,
    raw,
  };
}

/** Takes over a stale lock: exactly one contender wins the rename. */
async function breakStaleLock(lockPath: string, judged: LockInfo): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await fsp.rename(lockPath, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  let raw = '';
  try {
    raw = await fsp.readFile(aside, 'utf8');
  } catch {
    raw = '';
  }
  if (raw !== judged.raw) {
    // We moved a lock someone took after our judgement: put it back while the name is free.
    try {
      await fsp.link(aside, lockPath);
    } catch {
      // the name is taken again; the owner's release checks its nonce and leaves the new lock alone
    }
  }
  await fsp.unlink(aside).catch(() => undefined);
}

export interface HeldLock {
  release(): Promise<void>;
}

/** The store lock (core.md §7.1): exclusive create of `{store}.lock`, stale takeover, heartbeat. */
export async function acquireLock(p: StorePath, options: LockOptions = {}): Promise<HeldLock> {
  const lockPath = `${p.absolute}.lock`;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const timeoutMs = options.timeoutMs ?? 120_000;
  const nonce = randomBytes(8).toString('hex');
  const started = now();
  let warned = false;
  let holder = 'unknown';
  for (;;) {
    const body = JSON.stringify({ created_at: Math.floor(now() / 1000), host: HOST, nonce, pid: process.pid }) + '\n';
    try {
      const fd = fs.openSync(lockPath, 'wx', 0o600);
      try {
        fs.writeSync(fd, body);
      } finally {
        fs.closeSync(fd);
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw storeError(`could not lock ${p.display}: ${systemErrorReason(err)}`);
      }
    }
    const info = await inspectLock(lockPath, now()).catch(() => undefined);
    if (!info) continue;
    holder = info.pid;
    if (info.stale) {
      await breakStaleLock(lockPath, info).catch(() => undefined);
      continue;
    }
    const waited = now() - started;
    if (waited >= timeoutMs) {
      throw storeError(`timed out waiting for ${p.display}.lock (held by pid ${holder})`);
    }
    if (!warned && waited >= 1000) {
      warned = true;
      options.warn?.(`waiting for ${p.display}.lock (held by pid ${holder})`);
    }
    await sleep(Math.min(50 + Math.random() * 50, Math.max(1, timeoutMs - waited)));
  }

  const releaseSync = (): void => {
    try {
      const raw = fs.readFileSync(lockPath, 'utf8');
      if (raw.includes(`"nonce":"${nonce}"`)) fs.unlinkSync(lockPath);
    } catch {
      // already gone or taken over
    }
  };
  // Touch the lock while we hold it, so nobody judges it stale by age.
  const heartbeat = setInterval(() => {
    const t = new Date();
    fs.utimes(lockPath, t, t, () => undefined);
  }, 10_000);
  heartbeat.unref();
  const unregister = onInterrupt(releaseSync);
  return {
    async release() {
      clearInterval(heartbeat);
      unregister();
      releaseSync();
    },
  };
}

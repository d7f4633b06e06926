// The store lock (core.md §7.1): `{store}.lock`, created exclusively, holding no secret; stale locks of dead
// processes (or older than 60 s) are taken over by exactly one contender; a heartbeat keeps ours fresh.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { storeError, systemErrorReason } from '../lib/errors.js';
import { onInterrupt } from '../lib/interrupt.js';
import { parseJson } from '../lib/http.js';
import { optionalString, schema } from '../lib/schema.js';
import type { Runtime } from '../lib/runtime.js';
import type { StorePath } from './path.js';

export interface LockOptions {
  /** Gives up after this many milliseconds (default 120 s). */
  timeoutMs?: number;
  /** `warning: waiting for {path}.lock ...`, once, after 1 s of waiting. */
  warn?: (message: string) => void;
}

export interface HeldLock {
  release(): Promise<void>;
}

const HEARTBEAT_MS = 10_000;
const STALE_AGE_MS = 60_000;
const STALE_UNPARSABLE_AGE_MS = 10_000;
const WARN_AFTER_MS = 1000;

/** The lock file's JSON line; any field may be missing or wrongly typed in a lock someone else wrote. */
const LockFile = schema((z) =>
  z.looseObject({
    host: optionalString(z),
    pid: z.catch(z.optional(z.number().check(z.refine(Number.isInteger))), undefined),
  }),
);

interface LockInfo {
  readonly pid: string;
  readonly stale: boolean;
  readonly raw: string;
}

async function inspectLock(lockPath: string, rt: Runtime): Promise<LockInfo | undefined> {
  let raw: string;
  let st: fs.Stats;
  try {
    st = await fsp.stat(lockPath);
    raw = await fsp.readFile(lockPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const age = rt.now() - st.mtimeMs;
  const json = parseJson(raw);
  const parsed = json.ok ? LockFile.parse(json.value) : undefined;
  if (!parsed) return { pid: 'unknown', stale: age > STALE_UNPARSABLE_AGE_MS, raw };
  const { host, pid } = parsed;
  const deadHere = host === rt.hostname && pid !== undefined && pid > 0 && !rt.isAlive(pid);
  return { pid: pid === undefined ? 'unknown' : String(pid), stale: deadHere || age > STALE_AGE_MS, raw };
}

/** Takes over a stale lock: exactly one contender wins the rename. */
async function breakStaleLock(lockPath: string, judged: LockInfo, rt: Runtime): Promise<void> {
  const aside = `${lockPath}.stale-${rt.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await fsp.rename(lockPath, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const raw = await fsp.readFile(aside, 'utf8').catch(() => '');
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

// Filesystems without hard links: the lock is created in place (a reader may then see it empty for a moment).
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/** Creates the lock file in place, exclusively; false when it exists. */
function createInPlace(lockPath: string, body: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(lockPath, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    fs.writeSync(fd, body);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/**
 * Creates the lock file; false when it exists. The body is written to a temporary file first and then
 * hard-linked to the lock name, so the lock is complete when it appears: a waiter never reads it half
 * written and takes the holder for an unknown one (core.md §8.10).
 */
function tryCreate(p: StorePath, lockPath: string, body: string, rt: Runtime): boolean {
  const tmp = `${lockPath}.${rt.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    if (!createInPlace(tmp, body)) return false; // a name collision: try again
    try {
      fs.linkSync(tmp, lockPath);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code === 'EEXIST') return false;
      if (NO_LINKS.has(code)) return createInPlace(lockPath, body);
      throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  } catch (err) {
    throw storeError(`could not lock ${p.display}: ${systemErrorReason(err)}`);
  }
}

/** Holds the created lock: a heartbeat keeps it from looking stale; release removes it if it is still ours. */
function hold(lockPath: string, nonce: string, rt: Runtime): HeldLock {
  const releaseSync = (): void => {
    try {
      const raw = fs.readFileSync(lockPath, 'utf8');
      if (raw.includes(`"nonce":"${nonce}"`)) fs.unlinkSync(lockPath);
    } catch {
      // already gone or taken over
    }
  };
  const heartbeat = setInterval(() => {
    const t = new Date(rt.now());
    fs.utimes(lockPath, t, t, () => undefined);
  }, HEARTBEAT_MS);
  heartbeat.unref();
  const unregister = onInterrupt(releaseSync);
  return {
    release() {
      clearInterval(heartbeat);
      unregister();
      releaseSync();
      return Promise.resolve();
    },
  };
}

/** The store lock (core.md §7.1): exclusive create of `{store}.lock`, stale takeover, heartbeat. */
export async function acquireLock(p: StorePath, rt: Runtime, options: LockOptions = {}): Promise<HeldLock> {
  const lockPath = `${p.absolute}.lock`;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const nonce = randomBytes(8).toString('hex');
  const started = rt.now();
  let warned = false;
  for (;;) {
    const body = JSON.stringify({ created_at: Math.floor(rt.now() / 1000), host: rt.hostname, nonce, pid: rt.pid }) + '\n';
    if (tryCreate(p, lockPath, body, rt)) return hold(lockPath, nonce, rt);
    const info = await inspectLock(lockPath, rt).catch(() => undefined);
    if (!info) continue;
    if (info.stale) {
      await breakStaleLock(lockPath, info, rt).catch(() => undefined);
      continue;
    }
    const waited = rt.now() - started;
    if (waited >= timeoutMs) throw storeError(`timed out waiting for ${p.display}.lock (held by pid ${info.pid})`);
    if (!warned && waited >= WARN_AFTER_MS) {
      warned = true;
      options.warn?.(`waiting for ${p.display}.lock (held by pid ${info.pid})`);
    }
    await rt.sleep(Math.min(50 + Math.random() * 50, Math.max(1, timeoutMs - waited)));
  }
}

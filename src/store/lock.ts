// The store lock (core.md §7.1): `{store}.lock`, created exclusively, holding no secret; stale locks of dead
// processes (or older than 60 s) are taken over by exactly one contender; a heartbeat keeps ours fresh.
import { cryptoModule, fsPromisesModule } from '../lib/builtins.js';
import { type Stats, closeSync, existsSync, linkSync, openSync, readFileSync, rmSync, unlinkSync, utimes } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { storeError, systemErrorReason } from '../lib/errors.js';
import { onInterrupt } from '../lib/interrupt.js';
import { parseJson } from '../lib/http.js';
import { optionalString, schema } from '../lib/schema.js';
import type { Runtime } from '../lib/runtime.js';
import { joinQueue, type QueuePlace, type WaitQueue } from './queue.js';
import { writeAll } from './syscalls.js';
import type { StorePath } from './path.js';

export interface LockOptions {
  /** Gives up after this many milliseconds (default 120 s). */
  timeoutMs?: number;
  /** `warning: waiting for {path}.lock ...`, once, after 1 s of waiting. */
  warn?: (message: string) => void;
  /** Where waiters queue up (the sidecar directory); without it they poll in no order. */
  queue?: QueuePlace;
}

export interface HeldLock {
  release(): Promise<void>;
}

const HEARTBEAT_MS = 10_000;
const STALE_AGE_MS = 60_000;
/**
 * A lock that does not parse: locks are linked into place complete, so only a process killed while creating
 * one in place (filesystems without hard links) or a foreign file leaves one. Half a second is ample.
 */
const STALE_UNPARSABLE_AGE_MS = 500;
/** A takeover (`{lock}.break`) lasts a few system calls; one older than this was abandoned. */
const STALE_BREAKER_AGE_MS = 10_000;
const WARN_AFTER_MS = 1000;

/** The lock file's JSON line; any field may be missing or wrongly typed in a lock someone else wrote. */
const LockFile = schema((z) =>
  z.looseObject({
    host: optionalString(z),
    pid: z.catch(z.optional(z.number().check(z.refine(Number.isInteger))), undefined),
    started: optionalString(z),
  }),
);

/** One instance of a lock file, as judged: which file it was (device, inode) and what it held. */
interface LockInfo {
  readonly pid: string;
  readonly stale: boolean;
  readonly raw: string;
  readonly identity: string;
}

const identityOf = (st: Stats): string => `${st.dev}:${st.ino}`;

/** Whether the lock's holder is gone: same host and its pid is not running, or runs a later process. */
function holderGone(rt: Runtime, host: string | undefined, pid: number | undefined, started: string | undefined): boolean {
  if (host !== rt.hostname || pid === undefined || pid <= 0) return false;
  if (!rt.isAlive(pid)) return true;
  if (started === undefined) return false;
  const now = rt.startTimeOf(pid);
  return now !== undefined && now !== started;
}

/** Reads the lock once, through one open file, so the verdict, the content and the identity match. */
async function inspectLock(lockPath: string, rt: Runtime, staleAgeMs = STALE_AGE_MS): Promise<LockInfo | undefined> {
  let handle: FileHandle;
  try {
    handle = await fsPromisesModule().open(lockPath, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let raw: string;
  let st: Stats;
  try {
    st = await handle.stat();
    raw = await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
  const age = rt.now() - st.mtimeMs;
  const json = parseJson(raw);
  const parsed = json.ok ? LockFile.parse(json.value) : undefined;
  const identity = identityOf(st);
  if (!parsed) return { pid: 'unknown', stale: age > Math.min(staleAgeMs, STALE_UNPARSABLE_AGE_MS), raw, identity };
  const { host, pid, started } = parsed;
  const stale = holderGone(rt, host, pid, started) || age > staleAgeMs;
  return { pid: pid === undefined ? 'unknown' : String(pid), stale, raw, identity };
}

/**
 * Takes over a stale lock. Contenders first take `{lock}.break` (made like a lock); its holder checks that the
 * lock is still the very instance judged stale (same inode, same content) and only then removes it. A holder
 * that is alive never has its lock removed: a new lock is a new inode, and nobody but a breaker removes a lock
 * of a dead process (core.md §8.10).
 */
async function breakStaleLock(p: StorePath, lockPath: string, judged: LockInfo, rt: Runtime): Promise<void> {
  const breaker = `${lockPath}.break`;
  const body = lockBody(rt, cryptoModule().randomBytes(8).toString('hex'));
  if (!tryCreate(p, breaker, body, rt)) {
    // Another contender is breaking it; or one died doing so, and its breaker must go first.
    await clearStaleBreaker(breaker, rt).catch(() => undefined);
    return;
  }
  try {
    await removeIfSame(lockPath, judged);
  } finally {
    await fsPromisesModule()
      .unlink(breaker)
      .catch(() => undefined);
  }
}

/** Removes a takeover's `{lock}.break` whose maker died or that is over 10 s old. */
async function clearStaleBreaker(breaker: string, rt: Runtime): Promise<void> {
  const info = await inspectLock(breaker, rt, STALE_BREAKER_AGE_MS);
  if (info?.stale) await removeIfSame(breaker, info);
}

/** Unlinks the file if it is still the judged instance. */
async function removeIfSame(file: string, judged: LockInfo): Promise<void> {
  let st: Stats;
  let raw: string;
  try {
    st = await fsPromisesModule().lstat(file);
    raw = await fsPromisesModule().readFile(file, 'utf8');
  } catch {
    return;
  }
  if (identityOf(st) === judged.identity && raw === judged.raw)
    await fsPromisesModule()
      .unlink(file)
      .catch(() => undefined);
}

// Filesystems without hard links: the lock is created in place (a reader may then see it empty for a moment).
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/** Creates the lock file in place, exclusively; false when it exists. */
function createInPlace(lockPath: string, body: string): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeAll(fd, Buffer.from(body, 'utf8'));
  } catch (err) {
    closeSync(fd);
    rmSync(lockPath, { force: true });
    throw err;
  }
  closeSync(fd);
  return true;
}

/**
 * Creates the lock file; false when it exists. The body is written to a temporary file first and then
 * hard-linked to the lock name, so the lock is complete when it appears: a waiter never reads it half
 * written and takes the holder for an unknown one (core.md §8.10).
 */
function tryCreate(p: StorePath, lockPath: string, body: string, rt: Runtime): boolean {
  const tmp = `${lockPath}.${rt.pid}-${cryptoModule().randomBytes(4).toString('hex')}.tmp`;
  try {
    if (!createInPlace(tmp, body)) return false; // a name collision: try again
    try {
      linkSync(tmp, lockPath);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code === 'EEXIST') return false;
      if (NO_LINKS.has(code)) return createInPlace(lockPath, body);
      throw err;
    } finally {
      rmSync(tmp, { force: true });
    }
  } catch (err) {
    throw storeError(`could not write ${p.display}: ${systemErrorReason(err)}`);
  }
}

function lockBody(rt: Runtime, nonce: string): string {
  const started = rt.startTimeOf(rt.pid);
  return (
    JSON.stringify({
      created_at: Math.floor(rt.now() / 1000),
      host: rt.hostname,
      nonce,
      pid: rt.pid,
      ...(started !== undefined && { started }),
    }) + '\n'
  );
}

/** Holds the created lock: a heartbeat keeps it from looking stale; release removes it if it is still ours. */
function hold(lockPath: string, nonce: string, rt: Runtime): HeldLock {
  const releaseSync = (): void => {
    try {
      const raw = readFileSync(lockPath, 'utf8');
      if (raw.includes(`"nonce":"${nonce}"`)) unlinkSync(lockPath);
    } catch {
      // already gone or taken over
    }
  };
  const heartbeat = setInterval(() => {
    const t = new Date(rt.now());
    utimes(lockPath, t, t, () => undefined);
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

const HEAD_POLL_MS = [10, 20] as const;
const POLL_MS = [50, 100] as const;
/** How often a waiter behind others still tries the lock itself. */
const BEHIND_TRY_MS = 1000;

/** The store lock (core.md §7.1): exclusive create of `{store}.lock`, stale takeover, heartbeat, waiting in turn. */
export async function acquireLock(p: StorePath, rt: Runtime, options: LockOptions = {}): Promise<HeldLock> {
  const lockPath = `${p.absolute}.lock`;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const nonce = cryptoModule().randomBytes(8).toString('hex');
  const started = rt.now();
  let warned = false;
  let queue: WaitQueue | undefined;
  let lastTry = started;
  let first = true;
  try {
    for (let attempt = 0; ; attempt++) {
      const tries = attempt === 0 || first || rt.now() - lastTry >= BEHIND_TRY_MS;
      if (tries) {
        lastTry = rt.now();
        if (tryCreate(p, lockPath, lockBody(rt, nonce), rt)) return hold(lockPath, nonce, rt);
      }
      const info = await inspectLock(lockPath, rt).catch(() => undefined);
      if (!info && tries) continue; // released in between: try again at once
      if (info?.stale) {
        await breakStaleLock(p, lockPath, info, rt).catch(() => undefined);
        continue;
      }
      if (queue === undefined && options.queue) queue = joinQueue(options.queue, rt);
      first = queue === undefined || queue.first();
      const waited = rt.now() - started;
      const holder = info?.pid ?? 'unknown';
      if (waited >= timeoutMs) throw storeError(`timed out waiting for ${p.display}.lock (held by pid ${holder})`);
      if (!warned && waited >= WARN_AFTER_MS && info) {
        warned = true;
        options.warn?.(`waiting for ${p.display}.lock (held by pid ${holder})`);
      }
      const [low, high] = first ? HEAD_POLL_MS : POLL_MS;
      await rt.sleep(Math.min(low + Math.random() * (high - low), Math.max(1, timeoutMs - waited)));
    }
  } finally {
    queue?.leave();
  }
}

/**
 * Removes the store's lock when its holder is gone (core.md §8.10: every command, not only the next writer,
 * clears what a killed process left). Never throws.
 */
export async function clearStaleLock(p: StorePath, rt: Runtime): Promise<void> {
  const lockPath = `${p.absolute}.lock`;
  // Neither a lock nor a takeover in progress (the usual case): nothing to judge, and no fs/promises to load.
  if (!existsSync(lockPath) && !existsSync(`${lockPath}.break`)) return;
  try {
    const info = await inspectLock(lockPath, rt);
    if (info?.stale) await breakStaleLock(p, lockPath, info, rt);
    else if (!info) await clearStaleBreaker(`${lockPath}.break`, rt);
  } catch {
    // a lock we cannot read is the next writer's to judge
  }
}

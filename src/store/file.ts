// The store file: reading it, and atomic read-modify-write under the store lock (core.md §2.1, §7.2).
import { cryptoModule } from '../lib/builtins.js';
import {
  type Stats,
  chmodSync,
  chownSync,
  closeSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { LlmAuthError, storeError, systemErrorReason } from '../lib/errors.js';
import { onInterrupt } from '../lib/interrupt.js';
import type { Runtime } from '../lib/runtime.js';
import { acquireLock, type LockOptions } from './lock.js';
import type { StorePath } from './path.js';
import { leftoverOf, sidecarOf, type Sidecar } from './sidecar.js';
import { realSystem, writeAll, type WriteSystem } from './syscalls.js';

/** Larger stores are refused: a credential file is a few kilobytes, and a huge one is a mistake or an attack. */
export const MAX_STORE_BYTES = 16 * 1024 * 1024;

export interface StoreText {
  /** Decoded text, BOM included. */
  readonly text: string;
}

const MISSING = 'missing';

function identityOf(st: Stats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
}

/** Reads and decodes the store; undefined when it does not exist. Follows symbolic links. */
export function readStoreText(p: StorePath): StoreText | undefined {
  let st: Stats;
  try {
    st = statSync(p.absolute);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw storeError(`cannot read ${p.display}: ${systemErrorReason(err)}`);
  }
  if (!st.isFile()) throw storeError(`${p.display} is not a regular file`);
  if (st.size > MAX_STORE_BYTES) throw storeError(`${p.display} is too large (${st.size} bytes; the limit is 16 MiB)`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(p.absolute);
  } catch (err) {
    throw storeError(`cannot read ${p.display}: ${systemErrorReason(err)}`);
  }
  if (bytes.length > MAX_STORE_BYTES) throw storeError(`${p.display} is too large (${bytes.length} bytes; the limit is 16 MiB)`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw storeError(`${p.display} is not valid UTF-8`);
  }
  return { text };
}

function currentIdentity(p: StorePath): string {
  try {
    const st = lstatSync(p.absolute);
    return identityOf(st);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return MISSING;
    throw err;
  }
}

/** Refuses a store that is a symbolic link or not a regular file (core.md §7). */
function checkWritable(p: StorePath): void {
  let st: Stats;
  try {
    st = lstatSync(p.absolute);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw storeError(`cannot read ${p.display}: ${systemErrorReason(err)}`);
  }
  if (st.isSymbolicLink()) throw storeError(`${p.display} is a symbolic link; refusing to write through it`);
  if (!st.isFile()) throw storeError(`${p.display} is not a regular file`);
}

function writeFailed(p: StorePath, err: unknown): LlmAuthError {
  if (err instanceof LlmAuthError) return err;
  return storeError(`could not write ${p.display}: ${systemErrorReason(err)}`);
}

/** What a holder of the store lock may do: read the file, and replace it atomically. */
export interface LockedStore {
  read(): StoreText | undefined;
  /**
   * Re-reads the store, computes the new text from it and renames it into place (core.md §7.2 steps 2-7);
   * redone up to three times when a writer that ignores the lock changes the file meanwhile.
   * `compute` may return undefined to write nothing.
   */
  write(compute: (current: StoreText | undefined) => string | undefined): void;
}

/** What a write needs to know about the store before it starts: who owns it and how strict its mode is. */
interface Ownership {
  readonly mode: number;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
}

/**
 * The mode and owner a rewrite keeps (core.md §8.10): a mode stricter than 0600 (0400, 0200) stays, anything
 * else becomes 0600; the owner and group stay (root editing a user's store must not take it over).
 */
function ownershipOf(p: StorePath): Ownership {
  let st: Stats;
  try {
    st = statSync(p.absolute);
  } catch {
    return { mode: 0o600, uid: undefined, gid: undefined };
  }
  const mode = st.mode & 0o777;
  return { mode: (mode & ~0o600) === 0 ? mode : 0o600, uid: st.uid, gid: st.gid };
}

/** Creates the store's missing directories 0700, whatever the umask (core.md §8.10). */
export function makeDirectories(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  for (let d = dir; ; d = dirname(d)) {
    chmodSync(d, 0o700);
    if (d === first || dirname(d) === d) return;
  }
}

export interface StoreLockOptions extends LockOptions {
  /** Replaces the write system call (tests). */
  system?: WriteSystem;
}

/** Runs `fn` holding the store lock (core.md §7.1); the lock is released however `fn` ends. */
export async function withStoreLock<T>(
  p: StorePath,
  rt: Runtime,
  fn: (store: LockedStore) => Promise<T> | T,
  options: StoreLockOptions = {},
): Promise<T> {
  const dir = dirname(p.absolute);
  checkWritable(p);
  try {
    makeDirectories(dir);
  } catch (err) {
    throw writeFailed(p, err);
  }
  const sidecar = sidecarOf(p);
  let queue: { dir: string; prefix: string } | undefined;
  try {
    queue = tempLocation(sidecar);
  } catch {
    queue = undefined; // waiters then poll in no order
  }
  const lock = await acquireLock(p, rt, { ...options, queue });
  try {
    sweepLeftovers(sidecar, rt, { locked: true });
    return await fn({
      read: () => {
        checkWritable(p);
        return readStoreText(p);
      },
      write: (compute) => {
        for (let attempt = 0; attempt < 3; attempt++) {
          checkWritable(p);
          // Identity first: a change between here and the rename is caught, whatever it touched.
          const before = currentIdentity(p);
          const text = compute(readStoreText(p));
          if (text === undefined) return;
          const bytes = Buffer.from(text, 'utf8');
          if (bytes.length > MAX_STORE_BYTES) {
            throw storeError(`refusing to write ${p.display}: it would grow to ${bytes.length} bytes; the limit is 16 MiB`);
          }
          if (writeAtomically({ p, rt, sidecar, warn: options.warn, system: options.system ?? realSystem }, bytes, before))
            return;
        }
        throw storeError(`${p.display} changed during the update; try again`);
      },
    });
  } finally {
    await lock.release();
  }
}

/**
 * Removes what killed writers left behind (core.md §7.2 step 1, §8.10): temporary copies and half-made locks
 * whose process is gone (or, for a lock being made, which lives for microseconds, that are over 10 s old).
 * Under the store lock every store copy is a leftover: nobody else may be writing one. Never throws.
 */
export function sweepLeftovers(sidecar: Sidecar, rt: Runtime, options: { locked: boolean }): void {
  for (const place of sidecar.places) {
    let names: string[];
    try {
      names = readdirSync(place.dir);
    } catch {
      continue;
    }
    if (names.length === 0) continue;
    for (const name of names) {
      const leftover = leftoverOf(name, place.prefix);
      if (leftover === undefined) continue;
      const { kind, pid } = leftover;
      const full = join(place.dir, name);
      // Our own pid: a copy or half-made lock of this process is not in progress while we sweep (both are
      // made synchronously); a queue entry of this process may belong to another store handle that waits.
      let abandoned = (kind === 'store-copy' && options.locked) || (pid === rt.pid && kind !== 'waiter') || !rt.isAlive(pid);
      // A half-made lock lives for microseconds; a waiter's entry may be as old as the lock timeout.
      if (!abandoned && (kind === 'lock-temp' || kind === 'stale-aside')) {
        try {
          abandoned = rt.now() - statSync(full).mtimeMs > 10_000;
        } catch {
          continue;
        }
      }
      if (abandoned) rmSync(full, { force: true });
    }
  }
}

/** What one atomic replacement needs. */
interface WriteJob {
  readonly p: StorePath;
  readonly rt: Runtime;
  readonly sidecar: Sidecar;
  readonly warn: ((message: string) => void) | undefined;
  readonly system: WriteSystem;
}

const UNWRITABLE = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * Where this write's temporary copy goes: the private directory inside the VCS directory (made 0700 and owned
 * like its parent), or, when the VCS directory cannot be written (a repository shared read-only), next to
 * the store as outside a repository.
 */
function tempLocation(sidecar: Sidecar): { dir: string; prefix: string } {
  const beside = sidecar.places[sidecar.places.length - 1]!;
  if (!sidecar.private) return beside;
  const chosen = { dir: sidecar.tempDir, prefix: sidecar.tempPrefix };
  try {
    mkdirSync(sidecar.tempDir, { mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return chosen;
    if (UNWRITABLE.has(code)) return beside;
    throw err;
  }
  chmodSync(sidecar.tempDir, 0o700);
  // Root writing into a user's repository: the directory stays the user's, like the VCS directory around it.
  const parent = statSync(dirname(sidecar.tempDir));
  const made = statSync(sidecar.tempDir);
  if (made.uid !== parent.uid || made.gid !== parent.gid) {
    try {
      chownSync(sidecar.tempDir, parent.uid, parent.gid);
    } catch {
      // not root: the directory is ours, as the files we write into it
    }
  }
  return chosen;
}

/** Writes a temporary file and renames it over the store; false when the store changed meanwhile. */
function writeAtomically(job: WriteJob, bytes: Uint8Array, before: string): boolean {
  const { p, rt, sidecar } = job;
  const keep = ownershipOf(p);
  let tmp = '';
  const cleanup = (): void => {
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed or never created
    }
  };
  const unregister = onInterrupt(cleanup);
  try {
    const where = tempLocation(sidecar);
    tmp = join(where.dir, `${where.prefix}llm-auth-${rt.pid}-${cryptoModule().randomBytes(4).toString('hex')}.tmp`);
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      try {
        fchmodSync(fd, 0o600);
      } catch (err) {
        job.warn?.(`could not restrict ${p.display} permissions: ${systemErrorReason(err)}`);
      }
      writeAll(fd, bytes, job.system);
      fsyncSync(fd);
      keepOwnership(fd, keep, job);
    } finally {
      closeSync(fd);
    }
    if (currentIdentity(p) !== before) {
      cleanup();
      unregister();
      return false;
    }
    renameOver(tmp, p.absolute, { platform: rt.platform });
    unregister();
  } catch (err) {
    cleanup();
    unregister();
    throw writeFailed(p, err);
  }
  fsyncDirectory(dirname(p.absolute), rt.platform);
  return true;
}

/** Gives the new file the old one's owner, group and (stricter) mode. */
function keepOwnership(fd: number, keep: Ownership, job: WriteJob): void {
  if (job.rt.platform === 'win32') return;
  if (keep.uid !== undefined && keep.gid !== undefined) {
    const st = fstatSync(fd);
    if (st.uid !== keep.uid || st.gid !== keep.gid) {
      try {
        fchownSync(fd, keep.uid, keep.gid);
      } catch (err) {
        job.warn?.(`could not keep the owner of ${job.p.display}: ${systemErrorReason(err)}`);
      }
    }
  }
  if (keep.mode !== 0o600) fchmodSync(fd, keep.mode);
}

const RETRIED_RENAME_CODES = new Set(['EPERM', 'EACCES', 'EBUSY']);

/**
 * Renames the temporary file over the store. On Windows a reader (an editor, a virus scanner) holding the
 * store open makes the rename fail for a moment: retry up to 10 times, about 2 s in all (core.md §7.2 step 6).
 */
export function renameOver(
  from: string,
  to: string,
  deps: { platform: NodeJS.Platform; rename?: (a: string, b: string) => void; sleepMs?: (ms: number) => void },
): void {
  const rename = deps.rename ?? renameSync;
  // A synchronous pause: the rename runs inside a synchronous write step.
  const sleepMs = deps.sleepMs ?? ((ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms));
  const retries = deps.platform === 'win32' ? 10 : 0;
  for (let attempt = 0; ; attempt++) {
    try {
      rename(from, to);
      return;
    } catch (err) {
      if (attempt >= retries || !RETRIED_RENAME_CODES.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
      sleepMs(200);
    }
  }
}

function fsyncDirectory(dir: string, platform: NodeJS.Platform): void {
  if (platform === 'win32') return;
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some filesystems refuse a directory fsync
  }
}

// The store file: reading it, and atomic read-modify-write under the store lock (core.md §2.1, §7.2).
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LlmAuthError, storeError, systemErrorReason } from '../lib/errors.js';
import { onInterrupt } from '../lib/interrupt.js';
import type { Runtime } from '../lib/runtime.js';
import { acquireLock, type LockOptions } from './lock.js';
import type { StorePath } from './path.js';

/** Larger stores are refused: a credential file is a few kilobytes, and a huge one is a mistake or an attack. */
export const MAX_STORE_BYTES = 16 * 1024 * 1024;

export interface StoreText {
  /** Decoded text, BOM included. */
  readonly text: string;
}

const MISSING = 'missing';

function identityOf(st: fs.Stats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
}

/** Reads and decodes the store; undefined when it does not exist. Follows symbolic links. */
export function readStoreText(p: StorePath): StoreText | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(p.absolute);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw storeError(`cannot read ${p.display}: ${systemErrorReason(err)}`);
  }
  if (!st.isFile()) throw storeError(`${p.display} is not a regular file`);
  if (st.size > MAX_STORE_BYTES) throw storeError(`${p.display} is too large (${st.size} bytes; the limit is 16 MiB)`);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(p.absolute);
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
    const st = fs.lstatSync(p.absolute);
    return identityOf(st);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return MISSING;
    throw err;
  }
}

/** Refuses a store that is a symbolic link or not a regular file (core.md §7). */
function checkWritable(p: StorePath): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p.absolute);
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

/** Runs `fn` holding the store lock (core.md §7.1); the lock is released however `fn` ends. */
export async function withStoreLock<T>(
  p: StorePath,
  rt: Runtime,
  fn: (store: LockedStore) => Promise<T> | T,
  options: LockOptions = {},
): Promise<T> {
  const dir = path.dirname(p.absolute);
  checkWritable(p);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw writeFailed(p, err);
  }
  const lock = await acquireLock(p, rt, options);
  try {
    removeLeftoverTemps(dir, path.basename(p.absolute));
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
          if (writeAtomically(p, rt, text, before, options.warn)) return;
        }
        throw storeError(`${p.display} changed during the update; try again`);
      },
    });
  } finally {
    await lock.release();
  }
}

function removeLeftoverTemps(dir: string, base: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  const prefix = `${base}.llm-auth-`;
  for (const name of names) {
    if (name.startsWith(prefix) && name.endsWith('.tmp')) {
      try {
        fs.unlinkSync(path.join(dir, name));
      } catch {
        // not ours to worry about
      }
    }
  }
}

/** Writes a temporary file and renames it over the store; false when the store changed meanwhile. */
function writeAtomically(p: StorePath, rt: Runtime, text: string, before: string, warn?: (message: string) => void): boolean {
  const dir = path.dirname(p.absolute);
  const tmp = path.join(dir, `${path.basename(p.absolute)}.llm-auth-${rt.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const cleanup = (): void => {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // already renamed or never created
    }
  };
  const unregister = onInterrupt(cleanup);
  try {
    const fd = fs.openSync(tmp, 'wx', 0o600);
    try {
      try {
        fs.fchmodSync(fd, 0o600);
      } catch (err) {
        warn?.(`could not restrict ${p.display} permissions: ${systemErrorReason(err)}`);
      }
      fs.writeSync(fd, Buffer.from(text, 'utf8'));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
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
  fsyncDirectory(dir, rt.platform);
  return true;
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
  const rename = deps.rename ?? fs.renameSync;
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
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // some filesystems refuse a directory fsync
  }
}

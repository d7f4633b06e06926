// The files a write needs besides the store (core.md §7, §8.10): the lock, `{store}.lock`, and the temporary
// copies that hold the new content (every secret) until the rename.
//
// Inside a repository the temporary copies are written in the VCS's own directory (`.git/llm-auth/`,
// `.hg/llm-auth/`, `.sl/llm-auth/`), which no VCS ever adds or commits, so a writer killed before its rename
// cannot leave a secret that `git add -A` would pick up; a suggested `/.env` rule does not cover
// `.env.llm-auth-*.tmp`. That directory must be on the store's filesystem (the rename is atomic only there);
// otherwise, and outside any repository, they sit next to the store. The lock holds no secret and stays next
// to the store, where every version of llm-auth looks for it.
import { cryptoModule } from '../lib/builtins.js';
import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { findMarker, realLocation } from '../safety/discover.js';
import { waiterPid } from './queue.js';
import type { StorePath } from './path.js';

export interface Sidecar {
  /** `{store}.lock`. */
  readonly lock: string;
  /** Where this store's temporary copies are created. */
  readonly tempDir: string;
  /** Their name prefix in `tempDir`: `.env.` next to the store, `.env-{hash}.` in a VCS directory. */
  readonly tempPrefix: string;
  /** Whether tempDir is a private directory inside the VCS's own directory (created 0700 on first use). */
  readonly private: boolean;
  /** Every directory that may hold leftovers of this store, with their prefix (the store's own, always). */
  readonly places: ReadonlyArray<{ dir: string; prefix: string }>;
}

function deviceOf(p: string): number | undefined {
  for (let dir = p; ; dir = dirname(dir)) {
    try {
      return statSync(dir).dev;
    } catch {
      if (dirname(dir) === dir) return undefined;
    }
  }
}

export function sidecarOf(p: StorePath): Sidecar {
  const storeDir = dirname(p.absolute);
  const base = basename(p.absolute);
  const beside = { dir: storeDir, prefix: `${base}.` };
  const lock = `${p.absolute}.lock`;
  const { start, storeReal } = realLocation(p.absolute);
  const meta = findMarker(start)?.metadataDir;
  if (meta !== undefined && deviceOf(meta) !== undefined && deviceOf(meta) === deviceOf(storeDir)) {
    // One store per name: two stores in one repository (`.env`, `cfg/.env`) get distinct prefixes.
    // Hashed when first needed: a sweep of an empty directory (the usual case) needs no name, nor crypto.
    let prefix: string | undefined;
    const hashed = (): string =>
      (prefix ??= `${base}-${cryptoModule().createHash('sha256').update(storeReal).digest('hex').slice(0, 12)}.`);
    const inVcs = {
      dir: join(meta, 'llm-auth'),
      get prefix() {
        return hashed();
      },
    };
    return {
      lock,
      tempDir: inVcs.dir,
      get tempPrefix() {
        return hashed();
      },
      private: true,
      places: [inVcs, beside],
    };
  }
  return { lock, tempDir: storeDir, tempPrefix: beside.prefix, private: false, places: [beside] };
}

/** `{prefix}llm-auth-{pid}-{8 hex}.tmp`: a store copy. */
const STORE_COPY = /^llm-auth-(\d+)-[0-9a-f]{8}\.tmp$/;
/** `{prefix}lock.{pid}-{8 hex}.tmp`: a lock being made. */
const LOCK_TEMP = /^lock\.(\d+)-[0-9a-f]{8}\.tmp$/;
/** Left by llm-auth 0.2.0's lock takeover. */
const STALE_ASIDE = /^lock\.stale-(\d+)-[0-9a-f]{8}$/;

/** What a file of ours is: a store copy, a half-made lock, an old takeover's leftover, a waiter's queue entry. */
export type LeftoverKind = 'store-copy' | 'lock-temp' | 'stale-aside' | 'waiter';

/** The kind of a file of this store and the pid that made it; undefined for any other name. */
export function leftoverOf(name: string, prefix: string): { kind: LeftoverKind; pid: number } | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  const waiter = waiterPid(rest);
  if (waiter !== undefined) return { kind: 'waiter', pid: waiter };
  for (const [kind, pattern] of [
    ['store-copy', STORE_COPY],
    ['lock-temp', LOCK_TEMP],
    ['stale-aside', STALE_ASIDE],
  ] as const) {
    const match = pattern.exec(rest);
    if (match) return { kind, pid: Number(match[1]) };
  }
  return undefined;
}

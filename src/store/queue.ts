// Waiting for the store lock in turn (core.md §8.11). Without an order, whoever polls first after a release
// wins: with 32 writers a waiter could lose 270 times in a row and time out after 120 s. Each waiter leaves
// an empty `{prefix}wait.{ms}-{pid}-{hex}` file next to the temporary copies; the oldest one whose process is
// alive polls every 10-20 ms, the others every 50-100 ms and try the lock themselves only once a second (so
// a stopped waiter at the head slows the queue down but cannot block it). Files of dead waiters are removed.
import { cryptoModule } from '../lib/builtins.js';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onInterrupt } from '../lib/interrupt.js';
import type { Runtime } from '../lib/runtime.js';

export interface QueuePlace {
  readonly dir: string;
  readonly prefix: string;
}

export interface WaitQueue {
  /** Whether no older waiter is alive: this one's turn. */
  first(): boolean;
  leave(): void;
}

const ENTRY = /^wait\.(\d{15})-(\d+)-[0-9a-f]{8}$/;

/** The pid in a queue entry's name (after the prefix), when it is one. */
export function waiterPid(rest: string): number | undefined {
  const match = ENTRY.exec(rest);
  return match ? Number(match[2]) : undefined;
}

/** Joins the queue; undefined when the entry cannot be made (then the waiter just polls, as before). */
export function joinQueue(place: QueuePlace, rt: Runtime): WaitQueue | undefined {
  const name = `${place.prefix}wait.${String(Math.max(0, Math.floor(rt.now()))).padStart(15, '0')}-${rt.pid}-${cryptoModule().randomBytes(4).toString('hex')}`;
  const file = join(place.dir, name);
  try {
    writeFileSync(file, '', { flag: 'wx', mode: 0o600 });
  } catch {
    return undefined;
  }
  const leave = (): void => rmSync(file, { force: true });
  const unregister = onInterrupt(leave);
  return {
    first() {
      let names: string[];
      try {
        names = readdirSync(place.dir);
      } catch {
        return true;
      }
      for (const other of names.sort()) {
        if (other >= name) break;
        if (!other.startsWith(place.prefix)) continue;
        const pid = waiterPid(other.slice(place.prefix.length));
        if (pid === undefined) continue;
        if (pid === rt.pid || rt.isAlive(pid)) return false;
        rmSync(join(place.dir, other), { force: true });
      }
      return true;
    },
    leave() {
      unregister();
      leave();
    },
  };
}

// What a command gets: the Runtime, the output layer, and the global `--env-file`.
import type { Runtime } from '../lib/runtime.js';
import { Store, type CheckPolicy } from '../store/index.js';
import { storeSecrets } from '../surfaces/views.js';
import type { Output } from './output.js';

export interface Invocation {
  readonly rt: Runtime;
  readonly output: Output;
  readonly envFile: string | undefined;
}

/**
 * Opens the store for a command (core.md §1.5 steps 2-4) and hands every secret it holds to the output layer
 * before anything is printed.
 */
export async function openStoreFor(inv: Invocation, checks: CheckPolicy): Promise<Store> {
  const store = await Store.open(inv.rt, { envFile: inv.envFile, checks, warn: (m) => inv.output.warn(m) });
  inv.output.addSecrets(storeSecrets(store));
  return store;
}

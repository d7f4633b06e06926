// `status [surface]` (core.md §10): presence and expiry as JSON; no network, no writes.
import { pyJsonDumps } from '../../lib/python.js';
import { statusDocument } from '../../surfaces/index.js';
import { openStoreFor, type Invocation } from '../context.js';

export async function statusCommand(inv: Invocation, name: string | undefined): Promise<number> {
  const store = await openStoreFor(inv, 'if-exists');
  inv.output.result(pyJsonDumps(statusDocument(store, name)));
  return 0;
}

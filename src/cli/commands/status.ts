// `status [surface]` (core.md §10): presence and expiry as JSON; no network, no writes.
import * as fs from 'node:fs';
import { pyJsonDumps } from '../../lib/text.js';
import { statusDocument } from '../../surfaces/status.js';
import { driverContext, openStoreForCommand, runSafetyChecks, storePath, type CommandContext } from '../context.js';

export async function statusCommand(ctx: CommandContext, name: string | undefined): Promise<number> {
  const p = storePath(ctx);
  if (fs.existsSync(p.absolute)) await runSafetyChecks(ctx, p);
  const store = openStoreForCommand(ctx, p);
  const doc = statusDocument(store, driverContext(ctx, store), name);
  ctx.output.result(pyJsonDumps(doc));
  return 0;
}

// `status [surface]` (core.md §10): presence and expiry as JSON; no network, no writes. `--human` prints the
// same facts as a table for a person; the JSON stays byte for byte what scripts parse.
import { existsSync } from 'node:fs';
import { pyJsonDumps } from '../../lib/python.js';
import type { Store, Surface } from '../../store/index.js';
import type { SurfaceStatus } from '../../surfaces/driver.js';
import { statusDocument, viewFor } from '../../surfaces/views.js';
import { openStoreFor, type Invocation } from '../context.js';

/** Whether the surface holds its credential, and where its primary value comes from. */
function row(surface: Surface, store: Store, status: SurfaceStatus): string[] {
  const s = status as Record<string, unknown>;
  const configured = [s.api_key, s.access_token, s.refresh_token, s.configured].some((v) => v === true);
  const env = surface.primaryEnv;
  const source = env === undefined || !configured ? '-' : store.fromEnvironment(env) ? 'environment' : 'file';
  const expires =
    typeof s.expires_in === 'string' ? (s.expired === true ? `expired (${s.expires_in})` : `in ${s.expires_in}`) : '-';
  return [surface.name, surface.auth, configured ? 'yes' : 'no', source, expires];
}

export function humanTable(store: Store, name: string | undefined): string[] {
  const rows = [['SURFACE', 'MODE', 'CONFIGURED', 'SOURCE', 'EXPIRES']];
  for (const surface of store.select(name)) rows.push(row(surface, store, viewFor(surface).status(surface, store)));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 2))).join(''));
}

export async function statusCommand(
  inv: Invocation,
  name: string | undefined,
  options: { human?: boolean } = {},
): Promise<number> {
  const store = await openStoreFor(inv, 'if-exists');
  if (options.human) for (const line of humanTable(store, name)) inv.output.result(line);
  else inv.output.result(pyJsonDumps(statusDocument(store, name)));
  // `{}` alone tells a person nothing: at a terminal, say why and what to do (scripts see the same stdout).
  if (!existsSync(store.path.absolute) && inv.rt.stdout.isTTY === true) {
    inv.output.hint(`no store at ${store.path.display}; add a surface with llm-auth add-api-key <surface> <provider> --key -`);
  }
  return 0;
}

// What `status` asks of every surface: its status object and its secrets, by auth mode. The drivers'
// requests (test, renew, login) are in ./index.ts; this module leads to none of them, so the `status` bundle
// (src/cli/status-main.ts) loads no network code.
import { isChatgptSurface, type Store, type Surface } from '../store/index.js';
import { apiKeyView } from './api-key.js';
import { chatgptView } from './chatgpt/driver.js';
import type { SurfaceStatus, SurfaceView } from './driver.js';
import { gatewayView } from './gateway/driver.js';
import { presenceOnlyView } from './presence-only.js';

/** Which driver serves a surface: one per auth mode, and presence only for a mode without one. */
export type Mode = 'api-key' | 'chatgpt' | 'gateway-key' | 'presence-only';

export function modeOf(surface: Surface): Mode {
  if (surface.auth === 'api-key') return 'api-key';
  if (isChatgptSurface(surface)) return 'chatgpt';
  if (surface.auth === 'gateway-key') return 'gateway-key';
  return 'presence-only';
}

const VIEWS: Record<Mode, SurfaceView> = {
  'api-key': apiKeyView,
  chatgpt: chatgptView,
  'gateway-key': gatewayView,
  'presence-only': presenceOnlyView,
};

export const viewFor = (surface: Surface): SurfaceView => VIEWS[modeOf(surface)];

/** Every secret the store's surfaces hold, for the output layer to redact. */
export function storeSecrets(store: Store): string[] {
  return store.surfaces.flatMap((surface) => viewFor(surface).secrets(surface, store));
}

/** A name maps to its status object, or to a list of them in file order when names repeat (core.md §10). */
export type StatusDocument = Record<string, SurfaceStatus | SurfaceStatus[]>;

/** The status document of the selected surfaces (`status [name]`, the library's `store.status()`). */
export function statusDocument(store: Store, name?: string): StatusDocument {
  const grouped = new Map<string, SurfaceStatus[]>();
  for (const surface of store.select(name)) {
    const entry = viewFor(surface).status(surface, store);
    const list = grouped.get(surface.name);
    if (list) list.push(entry);
    else grouped.set(surface.name, [entry]);
  }
  const doc = Object.create(null) as StatusDocument;
  for (const [n, list] of grouped) doc[n] = list.length === 1 ? list[0]! : list;
  return doc;
}

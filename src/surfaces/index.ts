// The driver of each auth mode, and what every command asks of the drivers together.
import { isChatgptSurface, type Store, type Surface } from '../store/index.js';
import { apiKeyDriver } from './api-key.js';
import { chatgptDriver } from './chatgpt/driver.js';
import type { Intent, SurfaceDriver, SurfaceStatus } from './driver.js';
import { gatewayDriver } from './gateway/driver.js';
import { presenceOnlyDriver } from './presence-only.js';

/** The driver for a surface's auth mode. */
export function driverFor(surface: Surface): SurfaceDriver {
  if (surface.auth === 'api-key') return apiKeyDriver;
  if (isChatgptSurface(surface)) return chatgptDriver;
  if (surface.auth === 'gateway-key') return gatewayDriver;
  return presenceOnlyDriver;
}

/** Every secret the store's surfaces hold, for the output layer to redact. */
export function storeSecrets(store: Store): string[] {
  return store.surfaces.flatMap((surface) => driverFor(surface).secrets(surface, store));
}

/** Each driver's preflight, once per mode, before the command sends anything. */
export function preflight(surfaces: readonly Surface[], store: Store, intent: Intent): void {
  const seen = new Set<SurfaceDriver>();
  for (const surface of surfaces) {
    const driver = driverFor(surface);
    if (seen.has(driver)) continue;
    seen.add(driver);
    driver.preflight(surface, store, intent);
  }
}

/** A name maps to its status object, or to a list of them in file order when names repeat (core.md §10). */
export type StatusDocument = Record<string, SurfaceStatus | SurfaceStatus[]>;

/** The status document of the selected surfaces (`status [name]`, the library's `store.status()`). */
export function statusDocument(store: Store, name?: string): StatusDocument {
  const grouped = new Map<string, SurfaceStatus[]>();
  for (const surface of store.select(name)) {
    const entry = driverFor(surface).status(surface, store);
    const list = grouped.get(surface.name);
    if (list) list.push(entry);
    else grouped.set(surface.name, [entry]);
  }
  const doc = Object.create(null) as StatusDocument;
  for (const [n, list] of grouped) doc[n] = list.length === 1 ? list[0]! : list;
  return doc;
}

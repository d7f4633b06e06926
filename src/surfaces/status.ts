// The status document and surface selection by name, shared by the CLI and the library.
import { usageError } from '../lib/errors.js';
import { repr, type JsonValue } from '../lib/text.js';
import { distinctNames, type Surface } from '../store/envelope.js';
import type { LoadedStore } from '../store/store.js';
import { driverFor } from './index.js';
import type { DriverContext } from './types.js';

export function unknownSurface(name: string, surfaces: readonly Surface[]): Error {
  const names = distinctNames(surfaces);
  return usageError(`unknown auth surface ${repr(name)}; available: ${names.length > 0 ? names.join(', ') : 'none'}`);
}

/** The status document of the selected surfaces: a name maps to an object, or a list when names repeat. */
export function statusDocument(store: LoadedStore, dctx: DriverContext, name?: string): { [key: string]: JsonValue } {
  const selected = name === undefined ? store.surfaces : store.surfaces.filter((s) => s.name === name);
  if (name !== undefined && selected.length === 0) throw unknownSurface(name, store.surfaces);
  const grouped = new Map<string, { [key: string]: JsonValue }[]>();
  for (const surface of selected) {
    const entry = driverFor(surface).status(surface, dctx);
    const list = grouped.get(surface.name);
    if (list) list.push(entry);
    else grouped.set(surface.name, [entry]);
  }
  const doc: { [key: string]: JsonValue } = Object.create(null) as { [key: string]: JsonValue };
  for (const [n, list] of grouped) doc[n] = list.length === 1 ? list[0]! : list;
  return doc;
}

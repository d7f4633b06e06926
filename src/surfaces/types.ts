// One driver per auth mode behind one small interface. Drivers return data; they never print or exit.
import type { JsonValue } from '../lib/text.js';
import type { Surface } from '../store/envelope.js';
import type { LoadedStore } from '../store/store.js';

export interface DriverContext {
  readonly store: LoadedStore;
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface SurfaceDriver {
  /** The `status` object of a surface (core.md §10): booleans, names, numbers and URLs only. */
  status(surface: Surface, ctx: DriverContext): { [key: string]: JsonValue };
  /** Secrets this surface holds, so that the output layer can redact them wherever they appear. */
  secrets(surface: Surface, ctx: DriverContext): string[];
}

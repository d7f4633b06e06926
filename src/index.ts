// The library API for apps (commands.md §8). This release offers the store: opening it with the same
// safety checks as the CLI, its surfaces, and the same status objects. Credentials and clients follow.
import { LlmAuthError } from './lib/errors.js';
import type { JsonValue } from './lib/text.js';
import type { Surface } from './store/envelope.js';
import { loadStore, resolveStorePath, type Environment, type LoadedStore } from './store/store.js';
import { validateEnvStore } from './safety/validate.js';
import { statusDocument } from './surfaces/status.js';
import * as fs from 'node:fs';
import { homedir } from 'node:os';

export { LlmAuthError } from './lib/errors.js';
export type { ErrorKind } from './lib/errors.js';
export { validateEnvStore } from './safety/validate.js';
export type { Surface } from './store/envelope.js';

export interface OpenStoreOptions {
  envFile?: string;
  cwd?: string;
  env?: Environment;
  onWarning?: (message: string) => void;
}

export interface SurfaceInfo {
  readonly name: string;
  readonly auth: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly env: readonly string[];
}

export interface Store {
  readonly path: string;
  /** Names, modes, metadata and variable names; never values. */
  surfaces(): SurfaceInfo[];
  /** The same object `llm-auth status [name]` prints. */
  status(name?: string): { [key: string]: JsonValue };
  reload(): Promise<void>;
}

const info = (s: Surface): SurfaceInfo => ({ name: s.name, auth: s.auth, metadata: { ...s.metadata }, env: [...s.envKeys] });

/** Opens the store: safety checks (all four, when it exists), then the envelopes. */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const p = resolveStorePath(options.envFile, cwd, homedir());
  const load = async (): Promise<LoadedStore> => {
    if (fs.existsSync(p.absolute)) {
      try {
        await validateEnvStore(p, { warn: options.onWarning });
      } catch (err) {
        if (err instanceof LlmAuthError) throw new LlmAuthError(err.message, { kind: 'store' });
        throw err;
      }
    }
    return loadStore(p, env);
  };
  let store = await load();
  return {
    path: p.display,
    surfaces: () => store.surfaces.map(info),
    status: (name) =>
      statusDocument(
        store,
        { store, path: p, now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), warn: options.onWarning ?? (() => undefined) },
        name,
      ),
    async reload() {
      store = await load();
    },
  };
}

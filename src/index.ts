// The library API for apps (commands.md §8). This release offers the store: opening it with the same
// safety checks as the CLI, its surfaces, and the same status objects. Credentials and clients follow.
import { LlmAuthError } from './lib/errors.js';
import type { Environment } from './lib/runtime.js';
import { createRuntime } from './runtime.js';
import { createVcsRunner } from './safety/runner.js';
import { Store as StoreFront, type Surface } from './store/index.js';
import { statusDocument, type StatusDocument } from './surfaces/index.js';

export { LlmAuthError } from './lib/errors.js';
export type { ErrorKind } from './lib/errors.js';
export type { Surface } from './store/index.js';
export type { StatusDocument } from './surfaces/index.js';
export type { ApiKeyStatus, ChatgptStatus, GatewayStatus, PresenceStatus, SurfaceStatus } from './surfaces/driver.js';

export interface OpenStoreOptions {
  envFile?: string;
  cwd?: string;
  /** Default `process.env`; its values win over the `.env`. */
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
  status(name?: string): StatusDocument;
  reload(): Promise<void>;
}

const info = (s: Surface): SurfaceInfo => ({ name: s.name, auth: s.auth, metadata: { ...s.metadata }, env: [...s.envKeys] });

/** Opens the store: safety checks (all four, when it exists), then the envelopes. */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  // The caller's `env` decides values; git and hg still run with the process's own environment.
  const rt = createRuntime({
    ...(options.cwd !== undefined && { cwd: options.cwd }),
    ...(options.env !== undefined && { env: options.env }),
    vcs: createVcsRunner(process.env),
  });
  const warn = options.onWarning ?? (() => undefined);
  const load = async (): Promise<StoreFront> => {
    try {
      return await StoreFront.open(rt, { envFile: options.envFile, checks: 'if-exists', warn });
    } catch (err) {
      // Every failure of opening is about the store (unsafe or malformed).
      if (err instanceof LlmAuthError) throw new LlmAuthError(err.message, { kind: 'store' });
      throw err;
    }
  };
  let store = await load();
  return {
    path: store.path.display,
    surfaces: () => store.surfaces.map(info),
    status: (name) => statusDocument(store, name),
    async reload() {
      store = await load();
    },
  };
}

// What every command receives: its environment, clock and output, passed in rather than reached for.
import type { StorePath } from '../store/file.js';
import { loadStore, resolveStorePath, type Environment, type LoadedStore } from '../store/store.js';
import { validateEnvStore, type ValidateOptions } from '../safety/validate.js';
import { driverFor } from '../surfaces/index.js';
import type { DriverContext } from '../surfaces/types.js';
import type { Output } from './output.js';
import type { VcsRunner } from '../safety/runner.js';
import type { Fetch } from '../lib/http.js';

export interface CommandContext {
  readonly cwd: string;
  readonly env: Environment;
  readonly home: string;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly output: Output;
  /** The stream the output layer writes diagnostics to (the spinner checks whether it is a TTY). */
  readonly stderr: NodeJS.WritableStream;
  readonly envFile: string | undefined;
  readonly runner?: VcsRunner;
  readonly fetch?: Fetch;
}

export function storePath(ctx: CommandContext): StorePath {
  return resolveStorePath(ctx.envFile, ctx.cwd, ctx.home);
}

export function runSafetyChecks(ctx: CommandContext, p: StorePath, options: ValidateOptions = {}): Promise<void> {
  return validateEnvStore(p, { ...options, runner: ctx.runner, warn: (m) => ctx.output.warn(m) });
}

/** Loads the store and hands every secret it holds to the output layer before anything is printed. */
export function openStoreForCommand(ctx: CommandContext, p: StorePath): LoadedStore {
  const store = loadStore(p, ctx.env);
  const dctx = driverContext(ctx, store);
  for (const surface of store.surfaces) ctx.output.addSecrets(driverFor(surface).secrets(surface, dctx));
  return store;
}

export function driverContext(ctx: CommandContext, store: LoadedStore): DriverContext {
  return {
    store,
    path: store.path,
    now: ctx.now,
    sleep: ctx.sleep,
    warn: (m) => ctx.output.warn(m),
    fetch: ctx.fetch,
  };
}

/** `warning: CHATGPT_AUTH_JSON from the environment shadows {path}` when the two differ (chatgpt-oauth.md §2.4). */
export function warnIfShadowed(ctx: CommandContext, store: LoadedStore): void {
  if (store.fromEnvironment('CHATGPT_AUTH_JSON') && store.value('CHATGPT_AUTH_JSON') !== store.fileValue('CHATGPT_AUTH_JSON')) {
    ctx.output.warn(`CHATGPT_AUTH_JSON from the environment shadows ${store.path.display}`);
  }
}

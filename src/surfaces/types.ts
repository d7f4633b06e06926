// One driver per auth mode behind one small interface. Drivers return data; they never print or exit.
import type { Fetch } from '../lib/http.js';
import type { JsonValue } from '../lib/text.js';
import type { Surface } from '../store/envelope.js';
import type { LoadedStore } from '../store/store.js';
import type { StorePath } from '../store/file.js';

export interface DriverContext {
  readonly store: LoadedStore;
  readonly path: StorePath;
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Prints `warning: ...` (e.g. while waiting for the store lock). */
  warn(message: string): void;
  readonly fetch?: Fetch;
}

export interface RenewResult {
  readonly pass: boolean;
  readonly detail: string;
}

export interface SubtestResult {
  /** `api-key`, `openai-model-access`, `subscription-oauth.oauth-state`, ... */
  readonly name: string;
  readonly pass: boolean;
  readonly detail: string;
}

export interface TestOptions {
  /** The model of core.md §11.2 (undefined: none); ChatGPT surfaces continue the chain themselves. */
  readonly model: string | undefined;
  readonly timeoutMs: number;
  /** The `--timeout` value as given, for `request timed out after {N}s`. */
  readonly timeoutLabel: string;
  readonly verbose: boolean;
  readonly showRawError: boolean;
  /** Diagnostics for `--verbose` (stderr, redacted by the output layer). */
  readonly trace: (line: string) => void;
}

export interface SurfaceDriver {
  /** The `status` object of a surface (core.md §10): booleans, names, numbers and URLs only. */
  status(surface: Surface, ctx: DriverContext): { [key: string]: JsonValue };
  /** Secrets this surface holds, so that the output layer can redact them wherever they appear. */
  secrets(surface: Surface, ctx: DriverContext): string[];
  /** The subtests of `llm-auth test` (core.md §11), in order; every one runs, even after a failure. */
  test(surface: Surface, ctx: DriverContext, options: TestOptions): Promise<SubtestResult[]>;
  /** `renew` (core.md §12.2): one result per surface. */
  renew(surface: Surface, ctx: DriverContext, options: { force: boolean }): Promise<RenewResult>;
}

export const NO_RENEW_HANDLER: RenewResult = { pass: false, detail: 'no renew handler for this auth mode' };

export const pass = (name: string, detail = ''): SubtestResult => ({ name, pass: true, detail });
export const fail = (name: string, detail: string): SubtestResult => ({ name, pass: false, detail });

// The driver contract: one driver per auth mode behind these methods. Drivers get the store front (which
// carries the Runtime) and return data; they never print or exit.
import type { Store, Surface } from '../store/index.js';

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

/** `status` of an api-key surface (core.md §10). */
export type ApiKeyStatus = {
  api_key: boolean;
  auth: string;
  env: string | null;
  provider: string | null;
};

/** `status` of a ChatGPT surface (chatgpt-oauth.md §8). */
export type ChatgptStatus = {
  access_token: boolean;
  account_id: boolean;
  auth: string;
  auth_json: boolean;
  env: 'CHATGPT_AUTH_JSON';
  expired: boolean;
  expires_at: number | null;
  expires_in: string | null;
  refresh_token: boolean;
};

/** `status` of a gateway-key surface (gateway.md §8). */
export type GatewayStatus = {
  api_base: string | null;
  api_key: boolean;
  auth: string;
  clients: string[];
  env: string | null;
  expired: boolean | null;
  expires_at: number | null;
  expires_in: string | null;
  key_fingerprint: string | null;
  key_source: 'environment' | 'env-file' | null;
  portal: string | null;
  renewed_at: number | null;
  session: boolean;
  session_command: boolean;
  session_env: string;
  session_expired: boolean | null;
  session_expires_at: number | null;
  session_expires_in: string | null;
  session_source: 'environment' | 'env-file' | null;
};

/** `status` of a mode without a driver of its own: presence only. */
export type PresenceStatus = {
  auth: string;
  configured: boolean;
  env: string | null;
};

export type SurfaceStatus = ApiKeyStatus | ChatgptStatus | GatewayStatus | PresenceStatus;

/** What a command is about to do with the selected surfaces, for `preflight`. */
export interface Intent {
  /** login, renew (and later token, env, exec): the command may write the store. */
  readonly writes: boolean;
}

/**
 * What `status` asks of a mode: no request, nothing beyond the store. Kept apart from the rest of the driver so
 * that the `status` bundle (src/cli/status-main.ts) carries none of the network code.
 */
export interface SurfaceView<S extends SurfaceStatus = SurfaceStatus> {
  /** The `status` object of a surface (core.md §10): booleans, names, numbers and URLs only. */
  status(surface: Surface, store: Store): S;
  /** Secrets this surface holds, so that the output layer can redact them wherever they appear. */
  secrets(surface: Surface, store: Store): string[];
}

export interface SurfaceDriver<S extends SurfaceStatus = SurfaceStatus> extends SurfaceView<S> {
  /**
   * Fails the command, before any request, when the surface's stored credential is unusable (an invalid
   * CHATGPT_AUTH_JSON, core.md §12.3); warns about what the command should know (a shadowing environment).
   */
  preflight(surface: Surface, store: Store, intent: Intent): void;
  /** The subtests of `llm-auth test` (core.md §11), in order; every one runs, even after a failure. */
  test(surface: Surface, store: Store, options: TestOptions): Promise<SubtestResult[]>;
  /** `renew` (core.md §12.2): one result per surface. */
  renew(surface: Surface, store: Store, options: { force: boolean }): Promise<RenewResult>;
}

/**
 * A driver made of its view and its requests. Called as `/* @__PURE__ *\/ withRequests(...)`, so that a bundle
 * that uses only the views (dist/status.cjs) leaves the requests, and all they import, out.
 */
export const withRequests = <S extends SurfaceStatus>(
  view: SurfaceView<S>,
  requests: Omit<SurfaceDriver<S>, keyof SurfaceView>,
): SurfaceDriver<S> => ({ ...view, ...requests });

export const NO_RENEW_HANDLER: RenewResult = { pass: false, detail: 'no renew handler for this auth mode' };

export const pass = (name: string, detail = ''): SubtestResult => ({ name, pass: true, detail });
export const fail = (name: string, detail: string): SubtestResult => ({ name, pass: false, detail });

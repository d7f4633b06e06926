// `credentialsFor` (commands.md §8.2): the library's fresh credentials, by the CLI's rules, printing nothing
// and never asking a person. A gateway key of unknown expiry is handed out without a probe; the client
// wrapper renews it when the gateway rejects it (gateway.md §11 step 5).
import { LlmAuthError } from './lib/errors.js';
import type { Environment } from './lib/runtime.js';
import { createRuntime } from './runtime.js';
import { createVcsRunner } from './safety/runner.js';
import { selectOne } from './store/select.js';
import { Store as StoreFront } from './store/index.js';
import { endpoints, ORIGINATOR } from './surfaces/chatgpt/config.js';
import { accountId, expiresAt } from './surfaces/chatgpt/record.js';
import { freshSecret } from './surfaces/fresh.js';
import { clientVariables } from './surfaces/gateway/clients.js';

export type AuthMode = 'api-key' | 'subscription-oauth' | 'gateway-key';

export interface OpenOptions {
  envFile?: string;
  cwd?: string;
  /** Default `process.env`; its values win over the `.env`. */
  env?: Environment;
  onWarning?: (message: string) => void;
}

export interface ApiKeyCredentials {
  readonly auth: 'api-key';
  readonly surface: string;
  readonly provider: string | null;
  readonly env: string;
  readonly apiKey: string;
  readonly baseURL: string | null;
  readonly model: string | null;
}

export interface ChatgptCredentials {
  readonly auth: 'subscription-oauth';
  readonly surface: string;
  readonly accessToken: string;
  readonly accountId: string | null;
  /** Epoch seconds, or null when unknown. */
  readonly expiresAt: number | null;
  /** The ChatGPT backend base. */
  readonly baseURL: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface GatewayCredentials {
  readonly auth: 'gateway-key';
  readonly surface: string;
  readonly apiKey: string;
  readonly baseURL: string;
  readonly expiresAt: number | null;
  /** What `llm-auth env` would set for the surface's clients. */
  readonly clientEnv: Readonly<Record<string, string>>;
}

export type Credentials = ApiKeyCredentials | ChatgptCredentials | GatewayCredentials;

/** Opens the store front the CLI uses, with the library's error kinds. */
export async function openFront(options: OpenOptions): Promise<StoreFront> {
  // The caller's `env` decides values; git and hg still run with the process's own environment.
  const rt = createRuntime({
    ...(options.cwd !== undefined && { cwd: options.cwd }),
    ...(options.env !== undefined && { env: options.env }),
    vcs: createVcsRunner(process.env),
  });
  try {
    return await StoreFront.open(rt, {
      envFile: options.envFile,
      checks: 'if-exists',
      warn: options.onWarning ?? (() => undefined),
    });
  } catch (err) {
    // Every failure of opening is about the store (unsafe or malformed).
    if (err instanceof LlmAuthError) throw new LlmAuthError(err.message, { kind: 'store' });
    throw err;
  }
}

export interface CredentialsRequest {
  readonly auth?: AuthMode | undefined;
  /** false: the stored value as is (`--no-renew`). */
  readonly renew?: boolean | undefined;
  /** ChatGPT: seconds the access token must have left (default 300). */
  readonly minTtlSeconds?: number | undefined;
}

/** The fresh credentials of one surface of an open store front. */
export async function credentialsOf(front: StoreFront, name: string, request: CredentialsRequest = {}): Promise<Credentials> {
  const surface = selectOne(front, name, request.auth);
  const fresh = await freshSecret(surface, front, {
    renew: request.renew !== false,
    warn: front.warn,
    probeUnknown: false,
    ...(request.minTtlSeconds !== undefined && { minTtlSeconds: request.minTtlSeconds }),
  });
  if (fresh.auth === 'api-key') {
    return {
      auth: 'api-key',
      surface: surface.name,
      provider: surface.metadata.provider || null,
      env: fresh.env,
      apiKey: fresh.secret,
      baseURL: surface.metadata.api_base || null,
      model: surface.metadata.model || null,
    };
  }
  if (fresh.auth === 'gateway-key') {
    return {
      auth: 'gateway-key',
      surface: surface.name,
      apiKey: fresh.secret,
      baseURL: fresh.config.apiBase,
      expiresAt: fresh.expiresAt ?? null,
      clientEnv: Object.fromEntries(clientVariables(fresh.config, fresh.secret).set),
    };
  }
  const account = accountId(fresh.record);
  const headers: Record<string, string> = { Authorization: `Bearer ${fresh.secret}`, originator: ORIGINATOR };
  if (account) headers['ChatGPT-Account-Id'] = account;
  return {
    auth: 'subscription-oauth',
    surface: surface.name,
    accessToken: fresh.secret,
    accountId: account,
    expiresAt: expiresAt(fresh.record) ?? null,
    baseURL: endpoints(front).backend,
    headers,
  };
}

// Making a secret fresh before it is handed on (commands.md §1.6): `token`, `env`, `exec` and the library.
// api-key: the stored value, no request. ChatGPT: an access token with more than 300 s left, else the
// single-flight refresh. Gateway: gateway.md §11 (a known expiry needs no request; an unknown one one probe).
import { LlmAuthError } from '../lib/errors.js';
import { pyTrim } from '../lib/python.js';
import { isChatgptSurface, type Store, type Surface } from '../store/index.js';
import { FRESH_ENOUGH_SECONDS } from './chatgpt/config.js';
import { expiresAt, fieldsOf, isExpiredForUse, parseRecord, type AuthRecord } from './chatgpt/record.js';
import { refreshRecord } from './chatgpt/refresh.js';
import { bookkeepingSeconds, readConfig, type GatewayConfig } from './gateway/config.js';
import { probeKey, renewalHelps } from './gateway/protocol.js';
import { effectiveKey, exchangeFor, renewGatewayKey } from './gateway/renew.js';

export interface FreshOptions {
  /** false: `--no-renew`, the stored value as is. */
  readonly renew: boolean;
  /** Aborts requests when the command's deadline passes. */
  readonly signal?: AbortSignal;
  /** `warning: ...` lines (an unverifiable gateway key). */
  readonly warn: (message: string) => void;
  /** ChatGPT: seconds the access token must have left (default 300). */
  readonly minTtlSeconds?: number;
  /** Gateway, unknown expiry: probe once (the CLI) or hand out the key and renew on a rejection (the library). */
  readonly probeUnknown?: boolean;
}

export type Fresh =
  | { readonly auth: 'api-key'; readonly surface: Surface; readonly env: string; readonly secret: string }
  | { readonly auth: 'subscription-oauth'; readonly surface: Surface; readonly secret: string; readonly record: AuthRecord }
  | {
      readonly auth: 'gateway-key';
      readonly surface: Surface;
      readonly secret: string;
      readonly config: GatewayConfig;
      /** Epoch seconds, when known. */
      readonly expiresAt: number | undefined;
    };

/** A failure of freshness: the CLI's `error:` text, exit 1; `login-required` when a person must act. */
const failed = (message: string, kind: 'failed' | 'login-required' | 'transient' = 'failed'): LlmAuthError =>
  new LlmAuthError(message, { kind });

/** How long a probe of unknown expiry may take (gateway.md §11 step 3). */
const FRESHNESS_PROBE_MS = 5000;

export function freshApiKey(surface: Surface, store: Store): Fresh {
  const env = surface.primaryEnv;
  if (env === undefined || env === '') throw failed('metadata is missing env=<ENV_VAR>');
  const secret = pyTrim(store.value(env) ?? '');
  if (secret === '') throw failed(`${env} is missing`);
  return { auth: 'api-key', surface, env, secret };
}

export async function freshChatgpt(surface: Surface, store: Store, options: FreshOptions): Promise<Fresh> {
  const record = parseRecord(store.value('CHATGPT_AUTH_JSON'));
  const { access_token: access, refresh_token: refresh } = fieldsOf(record);
  const nowMs = store.rt.now();
  if (!access && !refresh) throw failed('missing access_token and refresh_token; run `llm-auth login`', 'login-required');
  if (!refresh || !options.renew) {
    if (!access) throw failed('missing access_token and refresh_token; run `llm-auth login`', 'login-required');
    if (isExpiredForUse(record, nowMs)) {
      throw failed('access_token is expired and refresh_token is missing; run `llm-auth login`', 'login-required');
    }
    return { auth: 'subscription-oauth', surface, secret: access, record };
  }
  const exp = expiresAt(record);
  // Unknown expiry: only the backend can tell, and `renew` or a 401 will.
  const minTtl = options.minTtlSeconds ?? FRESH_ENOUGH_SECONDS;
  if (access && (exp === undefined || exp - Math.floor(nowMs / 1000) > minTtl)) {
    return { auth: 'subscription-oauth', surface, secret: access, record };
  }
  const outcome = await refreshRecord(store, 'fresh', { minTtlSeconds: minTtl });
  if (!outcome.ok) throw failed(outcome.detail, outcome.kind === 'transient' ? 'transient' : 'login-required');
  const token = fieldsOf(outcome.record).access_token;
  if (!token) throw failed('refresh response missing access_token', 'transient');
  return { auth: 'subscription-oauth', surface, secret: token, record: outcome.record };
}

/** A renewal failure's kind: a person must sign in, or it may pass by itself. */
const renewalKind = (detail: string): 'login-required' | 'transient' | 'failed' =>
  /^(no portal session|session-expired)/.test(detail)
    ? 'login-required'
    : /retry later|unreachable|server-error/.test(detail)
      ? 'transient'
      : 'failed';

export async function freshGateway(surface: Surface, store: Store, options: FreshOptions): Promise<Fresh> {
  const read = readConfig(surface);
  if (!read.ok) throw failed(read.text);
  const config = read.config;
  const key = effectiveKey(store, config);
  const expires = bookkeepingSeconds(surface.metadata.expires_at);
  const done = (secret: string, expiresAt = expires): Fresh => ({ auth: 'gateway-key', surface, secret, config, expiresAt });
  if (!options.renew) {
    if (key === '') throw failed(`${config.env} is missing`);
    return done(key);
  }
  const renewNow = async (): Promise<Fresh> => {
    const result = await renewGatewayKey(store, surface, { force: false, skipProbe: true, signal: options.signal });
    if (!result.pass) throw failed(result.detail, renewalKind(result.detail));
    return done(result.key, result.expiresAt);
  };
  if (key === '') return renewNow();
  const nowS = Math.floor(store.rt.now() / 1000);
  if (expires !== undefined) return nowS < expires - config.renewBeforeSeconds ? done(key) : renewNow();
  if (options.probeUnknown === false) return done(key);
  const secrets = new Set([key]);
  const x = exchangeFor(store, secrets, FRESHNESS_PROBE_MS, '5', options.signal);
  const probe = await probeKey(x, config, key, undefined, nowS);
  if (probe.outcome === 'valid') return done(key);
  if (renewalHelps(probe)) return renewNow();
  options.warn(`could not verify the ${config.name} key (${probe.detail})`);
  return done(key);
}

/** The fresh secret of a surface, by its mode; other modes are the caller's usage error. */
export async function freshSecret(surface: Surface, store: Store, options: FreshOptions): Promise<Fresh> {
  if (surface.auth === 'api-key') return freshApiKey(surface, store);
  if (isChatgptSurface(surface)) return freshChatgpt(surface, store, options);
  if (surface.auth === 'gateway-key') return freshGateway(surface, store, options);
  throw new LlmAuthError(`auth mode '${surface.auth}' has no secret to hand on`, { kind: 'usage' });
}

// Constants and overrides of the ChatGPT OAuth driver (chatgpt-oauth.md §1).
import { LlmAuthError } from '../../lib/errors.js';
import { parsePythonFloat } from '../../lib/numbers.js';
import { reprString } from '../../lib/python.js';
import { httpUrl, stripSlash } from '../../lib/url.js';
import type { Store } from '../../store/index.js';

export const CLIENT_ID = 'app_EMoamEEZ73f0CkXaXp7hrann';
export const REFRESH_SCOPE = 'openid profile email';
export const ORIGINATOR = 'codex_cli_rs';
export const DEVICE_CODE_COOLDOWN_SECONDS = 300;
export const DEFAULT_POLL_INTERVAL_SECONDS = 5;
export const ISSUER_TIMEOUT_MS = 30_000;
export const FRESH_ENOUGH_SECONDS = 300;
export const DEFAULT_CHATGPT_MODEL = 'gpt-5.4-mini';

export interface ChatgptEndpoints {
  issuer: string;
  usercode: string;
  poll: string;
  token: string;
  verification: string;
  redirect: string;
  backend: string;
}

/** An http(s) URL from a setting, or an error naming the setting and its value (a URL, not a secret). */
function settingUrl(store: Store, names: readonly string[], fallback: string): string {
  const name = names.find((n) => store.value(n));
  if (name === undefined) return fallback;
  const value = store.value(name)!;
  if (!httpUrl(value)) throw new LlmAuthError(`${name} must be an http(s) URL, got ${reprString(value)}`);
  return stripSlash(value);
}

/** Endpoints from the effective environment: the process environment first, then the store. */
export function endpoints(store: Store): ChatgptEndpoints {
  const issuer = settingUrl(store, ['LLM_AUTH_CHATGPT_ISSUER'], 'https://auth.openai.com');
  const backend = settingUrl(store, ['CHATGPT_API_BASE', 'OPENAI_CHATGPT_API_BASE'], 'https://chatgpt.com/backend-api/codex');
  return {
    issuer,
    usercode: `${issuer}/api/accounts/deviceauth/usercode`,
    poll: `${issuer}/api/accounts/deviceauth/token`,
    token: `${issuer}/oauth/token`,
    verification: `${issuer}/codex/device`,
    redirect: `${issuer}/deviceauth/callback`,
    backend,
  };
}

/** The poll floor in seconds; validated when `login` starts, before any request or write. */
export function minPollInterval(store: Store): number {
  const raw = store.value('LLM_AUTH_MIN_POLL_INTERVAL');
  if (raw === undefined) return DEFAULT_POLL_INTERVAL_SECONDS;
  const value = parsePythonFloat(raw);
  if (value === undefined || !Number.isFinite(value) || value < 0) {
    throw new LlmAuthError(`LLM_AUTH_MIN_POLL_INTERVAL must be a number of seconds >= 0, got ${reprString(raw)}`);
  }
  return value;
}

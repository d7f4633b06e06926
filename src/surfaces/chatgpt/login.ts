// `login` for a ChatGPT surface (chatgpt-oauth.md §5): a still-valid token, else a refresh, else the
// device-code flow: request a code, show it, poll until the user approves, exchange, write the record.
import { LlmAuthError } from '../../lib/errors.js';
import { httpRequest, isObject, isSuccess, parseJson, stringField, type Fetch, type HttpResult } from '../../lib/http.js';
import { parsePythonFloat } from '../../lib/numbers.js';
import { clean, redact } from '../../lib/redact.js';
import type { LockOptions, StorePath } from '../../store/file.js';
import { withStoreLock } from '../../store/file.js';
import type { LoadedStore } from '../../store/store.js';
import { VERSION } from '../../version.js';
import {
  CLIENT_ID,
  DEFAULT_POLL_INTERVAL_SECONDS,
  DEVICE_CODE_COOLDOWN_SECONDS,
  endpoints,
  ISSUER_TIMEOUT_MS,
  minPollInterval,
  type ChatgptEndpoints,
} from './config.js';
import { fileRecord, writeRecord } from './persist.js';
import { fullRecord, isExpiredForUse, parseRecord } from './record.js';
import { refreshRecord } from './refresh.js';

export interface LoginContext {
  store: LoadedStore;
  path: StorePath;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  fetch?: Fetch;
  warn?: (message: string) => void;
  lock?: LockOptions;
  /** Writes a line to stdout at once (the code must be visible while we poll). */
  show: (line: string) => void;
  /** Called with the verification URL after it is shown; decides itself whether a browser may open. */
  openBrowser: (url: string) => void;
  /** Started while polling, stopped before any further output. */
  spinner: { start(): void; stop(): void };
}

const fail = (message: string, hint?: string): LlmAuthError => new LlmAuthError(message, { hint });

/** The `interval` of the device-code answer: a string ("5") or a number; 5 s when absent or unusable. */
export function pollInterval(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : DEFAULT_POLL_INTERVAL_SECONDS;
  if (typeof value === 'string' && value !== '') {
    const n = parsePythonFloat(value);
    return n !== undefined && Number.isFinite(n) && n >= 0 ? n : DEFAULT_POLL_INTERVAL_SECONDS;
  }
  return DEFAULT_POLL_INTERVAL_SECONDS;
}

const issuerHeaders = (contentType: string): Record<string, string> => ({
  'Content-Type': contentType,
  Accept: 'application/json',
  'User-Agent': `llm-auth/${VERSION}`,
});

function httpReason(result: Extract<HttpResult, { ok: true }>, secrets: string[]): string {
  return `HTTP ${result.status}: ${clean(result.text, secrets)}`;
}

interface DeviceCode {
  deviceAuthId: string;
  userCode: string;
  interval: number;
}

async function requestDeviceCode(ctx: LoginContext, ep: ChatgptEndpoints): Promise<DeviceCode> {
  const result = await httpRequest({
    method: 'POST',
    url: ep.usercode,
    headers: issuerHeaders('application/json'),
    body: JSON.stringify({ client_id: CLIENT_ID }),
    timeoutMs: ISSUER_TIMEOUT_MS,
    timeoutLabel: '30',
    fetch: ctx.fetch,
  });
  const prefix = 'failed to request device code: ';
  if (!result.ok) throw fail(prefix + result.reason);
  if (!isSuccess(result.status)) {
    throw fail(
      prefix + httpReason(result, []),
      result.status === 404 ? 'device code sign-in may be disabled; enable it in ChatGPT security settings or ask your workspace admin' : undefined,
    );
  }
  const parsed = parseJson(result.text);
  if (!parsed.ok) throw fail(prefix + 'invalid JSON in response');
  const body = parsed.value;
  const id = stringField(body, 'device_auth_id');
  const code = stringField(body, 'user_code') ?? stringField(body, 'usercode');
  if (!id || !code) throw fail(prefix + 'response missing device_auth_id or user_code');
  return { deviceAuthId: id, userCode: code, interval: pollInterval(isObject(body) ? body.interval : undefined) };
}

/** Records the request time in the store: this arms the cooldown, and nothing undoes it. */
async function recordDeviceCodeRequest(ctx: LoginContext): Promise<void> {
  await withStoreLock(
    ctx.path,
    (locked) => {
      const existing = fileRecord(locked.read()) ?? {};
      writeRecord(locked, ctx.store, { ...existing, device_code_requested_at: ctx.now() / 1000 }, ctx.now());
    },
    ctx.lock ?? { warn: ctx.warn },
  );
}

interface Grant {
  authorizationCode: string;
  codeVerifier: string;
}

async function poll(ctx: LoginContext, ep: ChatgptEndpoints, code: DeviceCode, floor: number, timeoutSeconds: number): Promise<Grant> {
  const deadline = ctx.now() + timeoutSeconds * 1000;
  let intervalMs = Math.max(code.interval, floor) * 1000;
  const body = JSON.stringify({ device_auth_id: code.deviceAuthId, user_code: code.userCode });
  for (;;) {
    const left = deadline - ctx.now();
    if (left <= 0) throw fail('login timed out');
    const requestTimeout = Math.min(ISSUER_TIMEOUT_MS, left);
    const result = await httpRequest({
      method: 'POST',
      url: ep.poll,
      headers: issuerHeaders('application/json'),
      body,
      timeoutMs: requestTimeout,
      timeoutLabel: String(requestTimeout / 1000),
      fetch: ctx.fetch,
    });
    if (!result.ok) {
      // A poll cut short by the deadline is the deadline, not a polling failure.
      if (result.timedOut && requestTimeout === left) throw fail('login timed out');
      throw fail(`login polling failed: ${result.reason}`);
    }
    if (result.status === 200) {
      const parsed = parseJson(result.text);
      if (!parsed.ok) throw fail('login polling failed: invalid JSON in response');
      const authorizationCode = stringField(parsed.value, 'authorization_code');
      const codeVerifier = stringField(parsed.value, 'code_verifier');
      if (authorizationCode && codeVerifier && stringField(parsed.value, 'code_challenge')) return { authorizationCode, codeVerifier };
      // A 200 without the grant is still pending.
    } else if (result.status === 429) {
      intervalMs += 5000; // slow down, for every later poll
    } else if (result.status !== 403 && result.status !== 404) {
      // 403 and 404 mean "still waiting" on this endpoint; anything else ends the login.
      throw fail(`login polling failed: ${httpReason(result, [])}`);
    }
    const wait = Math.min(intervalMs, deadline - ctx.now());
    if (wait > 0) await ctx.sleep(wait);
  }
}

async function exchange(ctx: LoginContext, ep: ChatgptEndpoints, grant: Grant): Promise<void> {
  const form = new URLSearchParams([
    ['grant_type', 'authorization_code'],
    ['code', grant.authorizationCode],
    ['redirect_uri', ep.redirect],
    ['client_id', CLIENT_ID],
    ['code_verifier', grant.codeVerifier],
  ]);
  const secrets = [grant.authorizationCode, grant.codeVerifier];
  const result = await httpRequest({
    method: 'POST',
    url: ep.token,
    headers: issuerHeaders('application/x-www-form-urlencoded'),
    body: form.toString(),
    timeoutMs: ISSUER_TIMEOUT_MS,
    timeoutLabel: '30',
    fetch: ctx.fetch,
  });
  const prefix = 'token exchange failed: ';
  if (!result.ok) throw fail(prefix + redact(result.reason, secrets));
  if (!isSuccess(result.status)) throw fail(prefix + httpReason(result, secrets));
  const parsed = parseJson(result.text);
  // A 2xx body holds tokens: it is never quoted in a message.
  if (!parsed.ok) throw fail(prefix + 'invalid JSON in response');
  const access = stringField(parsed.value, 'access_token');
  const refresh = stringField(parsed.value, 'refresh_token');
  const id = stringField(parsed.value, 'id_token');
  if (!access || !refresh || !id) throw fail(prefix + 'response missing access_token, refresh_token or id_token');
  const record = fullRecord({ access_token: access, refresh_token: refresh, id_token: id });
  await withStoreLock(ctx.path, (locked) => writeRecord(locked, ctx.store, record, ctx.now()), ctx.lock ?? { warn: ctx.warn });
}

/** Resolves when the surface holds a usable token; throws LlmAuthError otherwise (exit 1). */
export async function loginChatgpt(ctx: LoginContext, timeoutSeconds: number): Promise<void> {
  const floor = minPollInterval(ctx.store);
  const ep = endpoints(ctx.store);
  const record = parseRecord(ctx.store.value('CHATGPT_AUTH_JSON'));
  if (stringField(record, 'access_token') && !isExpiredForUse(record, ctx.now())) return;
  if (stringField(record, 'refresh_token')) {
    // Every refresh failure, permanent or transient, falls through to the device flow.
    const outcome = await refreshRecord(ctx, 'login');
    if (outcome.ok) return;
  }
  const current = parseRecord(ctx.store.value('CHATGPT_AUTH_JSON'));
  const requested = current.device_code_requested_at;
  const requestedAt = typeof requested === 'number' ? requested : typeof requested === 'string' ? parsePythonFloat(requested) : undefined;
  if (requestedAt !== undefined && Number.isFinite(requestedAt)) {
    const remaining = DEVICE_CODE_COOLDOWN_SECONDS - (ctx.now() / 1000 - requestedAt);
    if (remaining > 0) throw fail(`device-code cooldown active; retry in ${Math.trunc(remaining)}s`);
  }

  const code = await requestDeviceCode(ctx, ep);
  await recordDeviceCodeRequest(ctx);
  ctx.show('Sign in with ChatGPT using device code:');
  ctx.show(`1) Visit ${ep.verification}`);
  ctx.show(`2) Enter code: ${code.userCode}`);
  ctx.show('Device codes are a common phishing target. Never share this code.');
  ctx.openBrowser(ep.verification);

  ctx.spinner.start();
  let grant: Grant;
  try {
    grant = await poll(ctx, ep, code, floor, timeoutSeconds);
  } finally {
    ctx.spinner.stop();
  }
  await exchange(ctx, ep, grant);
}


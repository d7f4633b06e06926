// `login` for a ChatGPT surface (chatgpt-oauth.md §5): a still-valid token, else a refresh, else the
// device-code flow: request a code, show it, poll until the user approves, exchange, write the record.
import { LlmAuthError } from '../../lib/errors.js';
import { onInterruptAsync } from '../../lib/interrupt.js';
import { httpRequest, isSuccess, parseJson, type HttpResult } from '../../lib/http.js';
import { parsePythonFloat } from '../../lib/numbers.js';
import { clean, redactSecrets } from '../../lib/redact.js';
import type { Store } from '../../store/index.js';
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
import { fieldsOf, fullRecord, isExpiredForUse, parseRecord } from './record.js';
import { refreshRecord } from './refresh.js';
import { DeviceCodeAnswer, PollAnswer, TokenAnswer } from './schemas.js';

/** What a person sees while signing in; the CLI decides how (stdout, the spinner, the browser policy). */
export interface LoginUi {
  /** Writes a line to stdout at once (the code must be visible while we poll). */
  show(line: string): void;
  /** Called with the verification URL after it is shown; decides itself whether a browser may open. */
  openBrowser(url: string): void;
  /** Started while polling, stopped before any further output. */
  readonly spinner: { start(): void; stop(): void };
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

async function requestDeviceCode(store: Store, ep: ChatgptEndpoints): Promise<DeviceCode> {
  const result = await httpRequest({
    method: 'POST',
    url: ep.usercode,
    headers: issuerHeaders('application/json'),
    body: JSON.stringify({ client_id: CLIENT_ID }),
    timeoutMs: ISSUER_TIMEOUT_MS,
    timeoutLabel: '30',
    fetch: store.rt.fetch,
  });
  const prefix = 'failed to request device code: ';
  if (!result.ok) throw fail(prefix + result.reason);
  if (!isSuccess(result.status)) {
    throw fail(
      prefix + httpReason(result, []),
      result.status === 404
        ? 'device code sign-in may be disabled; enable it in ChatGPT security settings or ask your workspace admin'
        : undefined,
    );
  }
  const parsed = parseJson(result.text);
  if (!parsed.ok) throw fail(prefix + 'invalid JSON in response');
  const body = DeviceCodeAnswer.parse(parsed.value);
  const id = body?.device_auth_id;
  const code = body?.user_code ?? body?.usercode;
  if (!id || !code) throw fail(prefix + 'response missing device_auth_id or user_code');
  return { deviceAuthId: id, userCode: code, interval: pollInterval(body?.interval) };
}

interface Armed {
  /** The stamp this login wrote. */
  readonly value: number;
  /** What the record held before (restored when this login ends without tokens). */
  readonly previous: unknown;
}

/** Records the request time in the store: this arms the cooldown against a second login racing this one. */
async function recordDeviceCodeRequest(store: Store): Promise<Armed> {
  return store.withLock((locked) => {
    const existing = fileRecord(locked.read()) ?? {};
    const value = store.rt.now() / 1000;
    writeRecord(locked, { ...existing, device_code_requested_at: value });
    return { value, previous: existing.device_code_requested_at };
  });
}

/**
 * A login that ends without tokens takes its stamp back (chatgpt-oauth.md §5 step 5, amended): the user may
 * try again at once. Only when the record still holds exactly the stamp this login wrote.
 */
async function disarm(store: Store, armed: Armed): Promise<void> {
  await store.withLock((locked) => {
    const record = fileRecord(locked.read());
    if (!record || record.device_code_requested_at !== armed.value) return;
    const rest: Record<string, unknown> = { ...record };
    if (armed.previous === undefined) delete rest.device_code_requested_at;
    else rest.device_code_requested_at = armed.previous;
    writeRecord(locked, rest);
  });
}

interface Grant {
  authorizationCode: string;
  codeVerifier: string;
}

async function poll(store: Store, ep: ChatgptEndpoints, code: DeviceCode, floor: number, timeoutSeconds: number): Promise<Grant> {
  const { rt } = store;
  const deadline = rt.now() + timeoutSeconds * 1000;
  let intervalMs = Math.max(code.interval, floor) * 1000;
  const body = JSON.stringify({ device_auth_id: code.deviceAuthId, user_code: code.userCode });
  for (;;) {
    const left = deadline - rt.now();
    if (left <= 0) throw fail('login timed out');
    const requestTimeout = Math.min(ISSUER_TIMEOUT_MS, left);
    const result = await httpRequest({
      method: 'POST',
      url: ep.poll,
      headers: issuerHeaders('application/json'),
      body,
      timeoutMs: requestTimeout,
      timeoutLabel: String(requestTimeout / 1000),
      fetch: rt.fetch,
    });
    if (!result.ok) {
      // A poll cut short by the deadline is the deadline, not a polling failure.
      if (result.timedOut && requestTimeout === left) throw fail('login timed out');
      throw fail(`login polling failed: ${result.reason}`);
    }
    if (result.status === 200) {
      const parsed = parseJson(result.text);
      if (!parsed.ok) throw fail('login polling failed: invalid JSON in response');
      const grant = PollAnswer.parse(parsed.value);
      if (grant?.authorization_code && grant.code_verifier && grant.code_challenge) {
        return { authorizationCode: grant.authorization_code, codeVerifier: grant.code_verifier };
      }
      // A 200 without the grant is still pending.
    } else if (result.status === 429) {
      intervalMs += 5000; // slow down, for every later poll
    } else if (result.status !== 403 && result.status !== 404) {
      // 403 and 404 mean "still waiting" on this endpoint; anything else ends the login.
      throw fail(`login polling failed: ${httpReason(result, [])}`);
    }
    const wait = Math.min(intervalMs, deadline - rt.now());
    if (wait > 0) await rt.sleep(wait);
  }
}

async function exchange(store: Store, ep: ChatgptEndpoints, grant: Grant): Promise<void> {
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
    fetch: store.rt.fetch,
  });
  const prefix = 'token exchange failed: ';
  if (!result.ok) throw fail(prefix + redactSecrets(result.reason, secrets));
  if (!isSuccess(result.status)) throw fail(prefix + httpReason(result, secrets));
  const parsed = parseJson(result.text);
  // A 2xx body holds tokens: it is never quoted in a message.
  if (!parsed.ok) throw fail(prefix + 'invalid JSON in response');
  const tokens = TokenAnswer.parse(parsed.value);
  const access = tokens?.access_token;
  const refresh = tokens?.refresh_token;
  const id = tokens?.id_token;
  if (!access || !refresh || !id) throw fail(prefix + 'response missing access_token, refresh_token or id_token');
  const record = fullRecord({ access_token: access, refresh_token: refresh, id_token: id });
  await store.withLock((locked) => writeRecord(locked, record));
}

/** The cooldown of §5 step 3: a device code requested less than 300 s ago is not requested again. */
function checkCooldown(store: Store): void {
  const requested = fieldsOf(parseRecord(store.value('CHATGPT_AUTH_JSON'))).device_code_requested_at;
  const requestedAt = typeof requested === 'string' ? parsePythonFloat(requested) : requested;
  if (requestedAt !== undefined && Number.isFinite(requestedAt)) {
    const remaining = DEVICE_CODE_COOLDOWN_SECONDS - (store.rt.now() / 1000 - requestedAt);
    if (remaining > 0) throw fail(`device-code cooldown active; retry in ${Math.trunc(remaining)}s`);
  }
}

/** Resolves when the surface holds a usable token; throws LlmAuthError otherwise (exit 1). */
export async function loginChatgpt(store: Store, ui: LoginUi, timeoutSeconds: number): Promise<void> {
  const floor = minPollInterval(store);
  const ep = endpoints(store);
  const record = parseRecord(store.value('CHATGPT_AUTH_JSON'));
  const { access_token, refresh_token } = fieldsOf(record);
  if (access_token && !isExpiredForUse(record, store.rt.now())) return;
  if (refresh_token) {
    // Every refresh failure, permanent or transient, falls through to the device flow.
    const outcome = await refreshRecord(store, 'login');
    if (outcome.ok) return;
  }
  checkCooldown(store);

  const code = await requestDeviceCode(store, ep);
  const armed = await recordDeviceCodeRequest(store);
  // Ctrl-C takes the stamp back too.
  const unregister = onInterruptAsync(() => disarm(store, armed));
  try {
    ui.show('Sign in with ChatGPT using device code:');
    ui.show(`1) Visit ${ep.verification}`);
    ui.show(`2) Enter code: ${code.userCode}`);
    ui.show('Device codes are a common phishing target. Never share this code.');
    ui.openBrowser(ep.verification);

    ui.spinner.start();
    let grant: Grant;
    try {
      grant = await poll(store, ep, code, floor, timeoutSeconds);
    } finally {
      ui.spinner.stop();
    }
    await exchange(store, ep, grant);
  } catch (err) {
    // Timeout, denial, a failed exchange: no tokens, so no reason to make the user wait 300 s.
    await disarm(store, armed).catch(() => undefined);
    throw err;
  } finally {
    unregister();
  }
}

// The single-flight refresh protocol (chatgpt-oauth.md §6). Refresh tokens are single-use and rotate: the
// request is sent holding the store lock, after re-reading the file inside it, so that any number of
// processes make one request and the rest adopt its result.
import { httpRequest, isSuccess, parseJson, type HttpResult } from '../../lib/http.js';
import { singleFlight } from '../../lib/single-flight.js';
import { decodeJwtClaims } from '../../lib/jwt.js';
import { clean, redactSecrets } from '../../lib/redact.js';
import type { LockedStore, Snapshot, Store } from '../../store/index.js';
import { VERSION } from '../../version.js';
import { CLIENT_ID, endpoints, FRESH_ENOUGH_SECONDS, ISSUER_TIMEOUT_MS, REFRESH_SCOPE } from './config.js';
import { adoptRecord, fileRecord, syncedAtMs, writeRecord } from './persist.js';
import { expiresAt, fieldsOf, fullRecord, isExpiredForUse, parseRecord, recordSecrets, type AuthRecord } from './record.js';
import { ErrorBody, TokenAnswer } from './schemas.js';

/**
 * Why the caller refreshes, which decides when a peer's record is good enough to adopt (§6.2):
 * `renew` always refreshes unless a peer just did; `login` and the completion subtest need an unexpired
 * token; `fresh` (token, env, exec, the library) needs more than 300 s left; `after-401` needs a token other
 * than the one the backend just rejected.
 */
export type RefreshPurpose = 'renew' | 'login' | 'fresh' | 'after-401';

export interface RefreshOptions {
  /** `renew --force`: skip the 60-second adopt rule (a changed refresh token is still adopted). */
  force?: boolean;
  /** The access token the backend rejected (purpose `after-401`). */
  rejectedAccessToken?: string;
  /** Purpose `fresh`: the seconds a token must have left (default 300; the library's `minTtlSeconds`). */
  minTtlSeconds?: number;
}

export type RefreshOutcome =
  | { ok: true; record: AuthRecord; requested: boolean }
  | { ok: false; kind: 'missing' | 'permanent' | 'transient'; detail: string };

const PERMANENT_CODES = new Set(['invalid_grant', 'refresh_token_reused', 'refresh_token_expired', 'refresh_token_invalidated']);
const RECENT_MS = 60_000;
/** Waits before the second and third try of a request that never reached the server. */
const UNSENT_RETRY_WAITS_MS = [1000, 2000];
const MISSING: RefreshOutcome = { ok: false, kind: 'missing', detail: 'refresh_token is missing' };

/** `error` when a string, else `error.code`, else top-level `code`. */
export function errorCode(body: unknown): string | undefined {
  const parsed = ErrorBody.parse(body);
  if (!parsed) return undefined;
  if (typeof parsed.error === 'string') return parsed.error;
  return parsed.error?.code ?? parsed.code;
}

/** A record another process just wrote: unexpired, and issued (JWT iat, else the block's sync time) < 60 s ago. */
function justRefreshed(record: AuthRecord, syncedMs: number | undefined, nowMs: number): boolean {
  if (isExpiredForUse(record, nowMs)) return false;
  const iat = decodeJwtClaims(record.access_token)?.iat;
  const issuedMs = typeof iat === 'number' && Number.isFinite(iat) ? iat * 1000 : syncedMs;
  return issuedMs !== undefined && nowMs - issuedMs < RECENT_MS;
}

function goodEnough(purpose: RefreshPurpose, r1: AuthRecord, nowMs: number, options: RefreshOptions): boolean {
  const access = fieldsOf(r1).access_token;
  if (!access) return false;
  switch (purpose) {
    case 'login':
      return !isExpiredForUse(r1, nowMs);
    case 'after-401':
      return access !== options.rejectedAccessToken && !isExpiredForUse(r1, nowMs);
    case 'fresh': {
      const exp = expiresAt(r1);
      return exp !== undefined && exp - Math.floor(nowMs / 1000) > (options.minTtlSeconds ?? FRESH_ENOUGH_SECONDS);
    }
    case 'renew':
      return false;
  }
}

/** §6.2: whether the record the file holds now (R1) makes a request unnecessary. */
function peerResultSuffices(
  purpose: RefreshPurpose,
  r0: AuthRecord,
  r1: AuthRecord,
  snapshot: Snapshot,
  nowMs: number,
  options: RefreshOptions,
): boolean {
  if (purpose !== 'renew') return goodEnough(purpose, r1, nowMs, options);
  if (r1.refresh_token !== r0.refresh_token) return true;
  return !options.force && justRefreshed(r1, syncedAtMs(snapshot), nowMs);
}

/** Sends the refresh; a connection that was never established cannot have used the token, so it is retried. */
async function sendRefresh(store: Store, refreshToken: string): Promise<HttpResult> {
  const body = JSON.stringify({
    client_id: CLIENT_ID,
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    scope: REFRESH_SCOPE,
  });
  const send = () =>
    httpRequest({
      method: 'POST',
      url: endpoints(store).token,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': `llm-auth/${VERSION}` },
      body,
      timeoutMs: ISSUER_TIMEOUT_MS,
      timeoutLabel: String(ISSUER_TIMEOUT_MS / 1000),
      fetch: store.rt.fetch,
    });
  let result = await send();
  for (const waitMs of UNSENT_RETRY_WAITS_MS) {
    if (result.ok || result.sent) break;
    await store.rt.sleep(waitMs);
    result = await send();
  }
  return result;
}

/** Turns the issuer's answer into an outcome, writing what must be kept (§6.3, §6.4). */
function settle(
  store: Store,
  locked: LockedStore,
  r1: AuthRecord,
  rt: string,
  result: HttpResult,
  secrets: string[],
): RefreshOutcome {
  if (!result.ok) {
    return {
      ok: false,
      kind: 'transient',
      detail: `refresh failed: ${redactSecrets(result.reason, secrets)}; tokens kept, retry later`,
    };
  }
  const parsed = parseJson(result.text);
  const reply = parsed.ok ? parsed.value : undefined;
  if (isSuccess(result.status)) {
    const tokens = TokenAnswer.parse(reply);
    if (!tokens)
      return { ok: false, kind: 'transient', detail: 'refresh failed: invalid JSON in response; tokens kept, retry later' };
    if (!tokens.access_token) {
      // Keep the rotation chain: a new refresh token is stored even when the answer is unusable.
      if (tokens.refresh_token) writeRecord(locked, { ...r1, refresh_token: tokens.refresh_token });
      return { ok: false, kind: 'transient', detail: 'refresh response missing access_token' };
    }
    const idToken = tokens.id_token ?? fieldsOf(r1).id_token ?? '';
    const record = fullRecord({
      access_token: tokens.access_token,
      refresh_token: tokens.refresh_token ?? rt,
      id_token: idToken,
    });
    writeRecord(locked, record);
    return { ok: true, record, requested: true };
  }
  const code = errorCode(reply);
  if (result.status === 401 || (result.status === 400 && code !== undefined && PERMANENT_CODES.has(code))) {
    // A peer that ignores the lock may have rotated the token meanwhile: adopt its result.
    const again = fileRecord(locked.read());
    const againRefresh = again ? fieldsOf(again).refresh_token : undefined;
    if (again && againRefresh && againRefresh !== rt) {
      adoptRecord(store, again);
      return { ok: true, record: again, requested: true };
    }
    return {
      ok: false,
      kind: 'permanent',
      detail: `refresh token rejected (${code ?? `HTTP ${result.status}`}); run \`llm-auth login\``,
    };
  }
  return {
    ok: false,
    kind: 'transient',
    detail: `refresh failed: HTTP ${result.status}: ${clean(result.text, secrets)}; tokens kept, retry later`,
  };
}

async function refreshOnce(store: Store, purpose: RefreshPurpose, options: RefreshOptions): Promise<RefreshOutcome> {
  const r0 = parseRecord(store.value('CHATGPT_AUTH_JSON'));
  if (!fieldsOf(r0).refresh_token) return MISSING;
  return store.withLock(async (locked) => {
    const snapshot = locked.read();
    // R1: the record as the file holds it now. A record that lives only in the environment stays R0.
    const r1 = fileRecord(snapshot) ?? r0;
    if (peerResultSuffices(purpose, r0, r1, snapshot, store.rt.now(), options)) {
      adoptRecord(store, r1);
      return { ok: true, record: r1, requested: false };
    }
    const rt = fieldsOf(r1).refresh_token;
    if (!rt) return MISSING;
    const result = await sendRefresh(store, rt);
    return settle(store, locked, r1, rt, result, [...recordSecrets(r0), ...recordSecrets(r1)]);
  });
}

const refreshes = singleFlight<RefreshOutcome>();

/** Refreshes the ChatGPT record of the store, single-flight across processes and within this one. */
export function refreshRecord(store: Store, purpose: RefreshPurpose, options: RefreshOptions = {}): Promise<RefreshOutcome> {
  return refreshes.run(store.path.absolute, () => refreshOnce(store, purpose, options));
}

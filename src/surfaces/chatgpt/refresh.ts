// The single-flight refresh protocol (chatgpt-oauth.md §6). Refresh tokens are single-use and rotate: the
// request is sent holding the store lock, after re-reading the file inside it, so that any number of
// processes make one request and the rest adopt its result.
import { httpRequest, isObject, isSuccess, parseJson, stringField, type Fetch } from '../../lib/http.js';
import { clean, redact } from '../../lib/redact.js';
import type { LockOptions, StorePath } from '../../store/file.js';
import { withStoreLock } from '../../store/file.js';
import type { LoadedStore } from '../../store/store.js';
import { decodeJwtClaims } from '../../lib/jwt.js';
import { VERSION } from '../../version.js';
import { CLIENT_ID, endpoints, FRESH_ENOUGH_SECONDS, ISSUER_TIMEOUT_MS, REFRESH_SCOPE } from './config.js';
import { adoptRecord, fileRecord, syncedAtMs, writeRecord } from './persist.js';
import { expiresAt, fullRecord, isExpiredForUse, parseRecord, recordSecrets, type AuthRecord } from './record.js';

/**
 * Why the caller refreshes, which decides when a peer's record is good enough to adopt (§6.2):
 * `renew` always refreshes unless a peer just did; `login` and the completion subtest need an unexpired
 * token; `fresh` (token, env, exec, the library) needs more than 300 s left; `after-401` needs a token other
 * than the one the backend just rejected.
 */
export type RefreshPurpose = 'renew' | 'login' | 'fresh' | 'after-401';

export interface RefreshContext {
  store: LoadedStore;
  path: StorePath;
  now: () => number;
  fetch?: Fetch;
  sleep?: (ms: number) => Promise<void>;
  /** `warning: waiting for {path}.lock ...` while another process refreshes. */
  warn?: (message: string) => void;
  lock?: LockOptions;
}

export interface RefreshOptions {
  /** `renew --force`: skip the 60-second adopt rule (a changed refresh token is still adopted). */
  force?: boolean;
  /** The access token the backend rejected (purpose `after-401`). */
  rejectedAccessToken?: string;
}

export type RefreshOutcome =
  | { ok: true; record: AuthRecord; requested: boolean }
  | { ok: false; kind: 'missing' | 'permanent' | 'transient'; detail: string };

const PERMANENT_CODES = new Set(['invalid_grant', 'refresh_token_reused', 'refresh_token_expired', 'refresh_token_invalidated']);
const RECENT_MS = 60_000;

/** `error` when a string, else `error.code`, else top-level `code`. */
export function errorCode(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  if (typeof body.error === 'string') return body.error;
  if (isObject(body.error) && typeof body.error.code === 'string') return body.error.code;
  return typeof body.code === 'string' ? body.code : undefined;
}

/** A record another process just wrote: unexpired, and issued (JWT iat, else the block's sync time) < 60 s ago. */
function justRefreshed(record: AuthRecord, syncedMs: number | undefined, nowMs: number): boolean {
  if (isExpiredForUse(record, nowMs)) return false;
  const iat = decodeJwtClaims(record.access_token)?.iat;
  const issuedMs = typeof iat === 'number' && Number.isFinite(iat) ? iat * 1000 : syncedMs;
  return issuedMs !== undefined && nowMs - issuedMs < RECENT_MS;
}

function goodEnough(purpose: RefreshPurpose, r1: AuthRecord, nowMs: number, options: RefreshOptions): boolean {
  if (!stringField(r1, 'access_token')) return false;
  switch (purpose) {
    case 'login':
      return !isExpiredForUse(r1, nowMs);
    case 'after-401':
      return r1.access_token !== options.rejectedAccessToken && !isExpiredForUse(r1, nowMs);
    case 'fresh': {
      const exp = expiresAt(r1);
      return exp !== undefined && exp - Math.floor(nowMs / 1000) > FRESH_ENOUGH_SECONDS;
    }
    case 'renew':
      return false;
  }
}

const inFlight = new Map<string, Promise<RefreshOutcome>>();

/** Refreshes the ChatGPT record of the store, single-flight across processes and within this one. */
export function refreshRecord(ctx: RefreshContext, purpose: RefreshPurpose, options: RefreshOptions = {}): Promise<RefreshOutcome> {
  const key = ctx.path.absolute;
  const running = inFlight.get(key);
  if (running) return running;
  const promise = refreshOnce(ctx, purpose, options).finally(() => inFlight.delete(key));
  inFlight.set(key, promise);
  return promise;
}

async function refreshOnce(ctx: RefreshContext, purpose: RefreshPurpose, options: RefreshOptions): Promise<RefreshOutcome> {
  const r0 = parseRecord(ctx.store.value('CHATGPT_AUTH_JSON'));
  const rt0 = stringField(r0, 'refresh_token');
  if (!rt0) return { ok: false, kind: 'missing', detail: 'refresh_token is missing' };
  const sleep = ctx.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const ep = endpoints(ctx.store);

  return withStoreLock(
    ctx.path,
    async (locked) => {
      const text = locked.read();
      // R1: the record as the file holds it now. A record that lives only in the environment stays R0.
      const r1 = fileRecord(text) ?? r0;
      const nowMs = ctx.now();
      const adopt = (): RefreshOutcome => {
        adoptRecord(ctx.store, r1);
        return { ok: true, record: r1, requested: false };
      };
      if (purpose === 'renew') {
        if (r1.refresh_token !== r0.refresh_token) return adopt();
        if (!options.force && justRefreshed(r1, syncedAtMs(text), nowMs)) return adopt();
      } else if (goodEnough(purpose, r1, nowMs, options)) return adopt();

      const rt = stringField(r1, 'refresh_token');
      if (!rt) return { ok: false, kind: 'missing', detail: 'refresh_token is missing' };
      const secrets = [...recordSecrets(r0), ...recordSecrets(r1)];
      const body = JSON.stringify({ client_id: CLIENT_ID, grant_type: 'refresh_token', refresh_token: rt, scope: REFRESH_SCOPE });
      const send = () =>
        httpRequest({
          method: 'POST',
          url: ep.token,
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': `llm-auth/${VERSION}` },
          body,
          timeoutMs: ISSUER_TIMEOUT_MS,
          timeoutLabel: String(ISSUER_TIMEOUT_MS / 1000),
          fetch: ctx.fetch,
        });

      let result = await send();
      // A connection that was never established cannot have used the token: try twice more.
      for (const waitMs of [1000, 2000]) {
        if (result.ok || result.sent) break;
        await sleep(waitMs);
        result = await send();
      }
      if (!result.ok) {
        return { ok: false, kind: 'transient', detail: `refresh failed: ${redact(result.reason, secrets)}; tokens kept, retry later` };
      }
      const parsed = parseJson(result.text);
      const reply = parsed.ok ? parsed.value : undefined;
      if (isSuccess(result.status)) {
        if (!parsed.ok || !isObject(reply)) {
          return { ok: false, kind: 'transient', detail: 'refresh failed: invalid JSON in response; tokens kept, retry later' };
        }
        const access = stringField(reply, 'access_token');
        const newRefresh = stringField(reply, 'refresh_token');
        if (!access) {
          // Keep the rotation chain: a new refresh token is stored even when the answer is unusable.
          if (newRefresh) writeRecord(locked, ctx.store, { ...r1, refresh_token: newRefresh }, ctx.now());
          return { ok: false, kind: 'transient', detail: 'refresh response missing access_token' };
        }
        const idToken = stringField(reply, 'id_token') ?? stringField(r1, 'id_token') ?? '';
        const record = fullRecord({ access_token: access, refresh_token: newRefresh ?? rt, id_token: idToken });
        writeRecord(locked, ctx.store, record, ctx.now());
        return { ok: true, record, requested: true };
      }
      const code = errorCode(reply);
      if (result.status === 401 || (result.status === 400 && code !== undefined && PERMANENT_CODES.has(code))) {
        // A peer that ignores the lock may have rotated the token meanwhile: adopt its result.
        const again = fileRecord(locked.read());
        if (again && stringField(again, 'refresh_token') && again.refresh_token !== rt) {
          adoptRecord(ctx.store, again);
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
    },
    ctx.lock ?? { warn: ctx.warn },
  );
}

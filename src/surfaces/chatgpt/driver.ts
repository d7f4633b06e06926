// The subscription-oauth driver for ChatGPT surfaces (chatgpt-oauth.md).
import { LlmAuthError } from '../../lib/errors.js';
import { human, pyTrim } from '../../lib/python.js';
import { metadataFlag, type Store } from '../../store/index.js';
import { fail, withRequests, pass, type ChatgptStatus, type SurfaceView } from '../driver.js';
import { completionSubtest } from './backend.js';
import { refreshRecord } from './refresh.js';
import { expiresAt, hasField, isKnownExpired, parseRecord, recordSecrets, type AuthRecord } from './record.js';

const nonEmpty = (record: AuthRecord, key: string): boolean => {
  const v = record[key];
  return v !== undefined && v !== null && v !== '';
};

/** The record, or the parse error with a hint saying where the value is (`{path}:{line}`). */
function storedRecord(store: Store): AuthRecord {
  try {
    return parseRecord(store.value('CHATGPT_AUTH_JSON'));
  } catch (err) {
    if (err instanceof LlmAuthError)
      throw new LlmAuthError(err.message, { hint: `the value is ${store.whereIs('CHATGPT_AUTH_JSON')}` });
    throw err;
  }
}

export const chatgptView: SurfaceView<ChatgptStatus> = {
  status(surface, store) {
    const raw = store.value('CHATGPT_AUTH_JSON');
    const record = storedRecord(store);
    const nowMs = store.rt.now();
    const nowS = Math.floor(nowMs / 1000);
    const exp = expiresAt(record);
    return {
      access_token: hasField(record, 'access_token'),
      account_id: hasField(record, 'account_id'),
      auth: surface.auth,
      auth_json: pyTrim(raw ?? '') !== '',
      env: 'CHATGPT_AUTH_JSON',
      // The status view: unknown expiry shows `expired: false` with `expires_at: null`.
      expired: isKnownExpired(record, nowMs),
      expires_at: exp ?? null,
      expires_in: exp === undefined ? null : human(exp - nowS),
      refresh_token: hasField(record, 'refresh_token'),
    };
  },
  secrets(_surface, store) {
    try {
      return recordSecrets(parseRecord(store.value('CHATGPT_AUTH_JSON')));
    } catch {
      return [];
    }
  },
};

export const chatgptDriver = /* @__PURE__ */ withRequests<ChatgptStatus>(chatgptView, {
  preflight(_surface, store, intent) {
    // An invalid record fails the command before anything is sent (core.md §12.3).
    storedRecord(store);
    // chatgpt-oauth.md §2.4: the environment wins, but writes go to the file.
    if (
      intent.writes &&
      store.fromEnvironment('CHATGPT_AUTH_JSON') &&
      store.value('CHATGPT_AUTH_JSON') !== store.fileValue('CHATGPT_AUTH_JSON')
    ) {
      store.warn(`CHATGPT_AUTH_JSON from the environment shadows ${store.path.display}`);
    }
  },
  async test(surface, store, options) {
    const raw = store.value('CHATGPT_AUTH_JSON');
    const record = parseRecord(raw);
    const results = [
      pyTrim(raw ?? '') === ''
        ? fail('subscription-oauth.env-auth-json', 'CHATGPT_AUTH_JSON is missing')
        : pass('subscription-oauth.env-auth-json'),
    ];
    const access = nonEmpty(record, 'access_token');
    const refresh = nonEmpty(record, 'refresh_token');
    const expired = isKnownExpired(record, store.rt.now());
    if (!access && !refresh) results.push(fail('subscription-oauth.oauth-state', 'missing access_token and refresh_token'));
    else if (expired && !refresh)
      results.push(fail('subscription-oauth.oauth-state', 'access_token is expired and refresh_token is missing'));
    else results.push(pass('subscription-oauth.oauth-state'));
    if (metadataFlag(surface, 'live_backend')) results.push(await completionSubtest(store, options));
    return results;
  },
  async renew(_surface, store, { force }) {
    // A ChatGPT surface always refreshes, unless another process did within the last minute (§7).
    const outcome = await refreshRecord(store, 'renew', { force });
    return outcome.ok ? { pass: true, detail: '' } : { pass: false, detail: outcome.detail };
  },
});

// The subscription-oauth driver for ChatGPT surfaces (chatgpt-oauth.md). This file holds what needs no
// network; the device flow, refresh and backend check plug in beside it.
import { human, pyTrim } from '../../lib/text.js';
import type { SurfaceDriver } from '../types.js';
import { EXPIRY_SKEW_SECONDS, expiresAt, hasField, parseRecord, recordSecrets } from './record.js';

export const chatgptDriver: SurfaceDriver = {
  status(surface, { store, now }) {
    const raw = store.value('CHATGPT_AUTH_JSON');
    const record = parseRecord(raw);
    const nowS = Math.floor(now() / 1000);
    const exp = expiresAt(record);
    return {
      access_token: hasField(record, 'access_token'),
      account_id: hasField(record, 'account_id'),
      auth: surface.auth,
      auth_json: pyTrim(raw ?? '') !== '',
      env: 'CHATGPT_AUTH_JSON',
      // The status view: unknown expiry shows `expired: false` with `expires_at: null`.
      expired: exp !== undefined && nowS >= exp - EXPIRY_SKEW_SECONDS,
      expires_at: exp ?? null,
      expires_in: exp === undefined ? null : human(exp - nowS),
      refresh_token: hasField(record, 'refresh_token'),
    };
  },
  secrets(_surface, { store }) {
    try {
      return recordSecrets(parseRecord(store.value('CHATGPT_AUTH_JSON')));
    } catch {
      return [];
    }
  },
};


// The ChatGPT auth record (chatgpt-oauth.md §2, §3): reading it from the effective CHATGPT_AUTH_JSON,
// its expiry and account id, and its serialisation. Pure apart from the clock passed in.
import { LlmAuthError } from '../../lib/errors.js';
import { decodeJwtClaims, jwtExp } from '../../lib/jwt.js';
import { compareCodePoints, pyTrim } from '../../lib/text.js';

export type AuthRecord = Record<string, unknown>;

export const EXPIRY_SKEW_SECONDS = 60;

/** Parses the trimmed effective value; empty or undefined is the empty record (core.md §12.3). */
export function parseRecord(value: string | undefined): AuthRecord {
  const text = pyTrim(value ?? '');
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message quotes the input, which holds tokens: never shown.
    throw new LlmAuthError('CHATGPT_AUTH_JSON did not contain valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new LlmAuthError('CHATGPT_AUTH_JSON did not contain a JSON object');
  }
  return parsed as AuthRecord;
}

/** A token field counts as present when the key exists with a non-null value. */
export function hasField(record: AuthRecord, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key) && record[key] !== null && record[key] !== undefined;
}

/** The record's integral `expires_at`, else the access token's `exp`, else undefined. */
export function expiresAt(record: AuthRecord): number | undefined {
  const stored = record.expires_at;
  if (typeof stored === 'number' && Number.isInteger(stored)) return stored;
  return jwtExp(record.access_token);
}

/** The account id claim of the id token (or of the access token when there is no id token). */
export function accountId(record: AuthRecord): string | null {
  const idToken = record.id_token;
  const source = typeof idToken === 'string' && idToken !== '' ? idToken : record.access_token;
  const auth = decodeJwtClaims(source)?.['https://api.openai.com/auth'];
  if (auth === null || typeof auth !== 'object') return null;
  const id = (auth as Record<string, unknown>).chatgpt_account_id;
  return typeof id === 'string' && id !== '' ? id : null;
}

/** The secrets a record holds, for redaction. */
export function recordSecrets(record: AuthRecord): string[] {
  return ['access_token', 'refresh_token', 'id_token']
    .map((k) => record[k])
    .filter((v): v is string => typeof v === 'string' && v !== '');
}

/** Compact JSON, keys sorted recursively by code point, non-ASCII as raw UTF-8 (chatgpt-oauth.md §2.2). */
export function serializeRecord(value: unknown): string {
  // Written by hand: a JavaScript object lists integer-like keys first, whatever order they were added in.
  if (Array.isArray(value)) return `[${value.map(serializeRecord).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort(compareCodePoints);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${serializeRecord(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The Python tool's view (status, oauth-state): expired only when the expiry is known and passed. */
export function isKnownExpired(record: AuthRecord, nowMs: number): boolean {
  const exp = expiresAt(record);
  return exp !== undefined && Math.floor(nowMs / 1000) >= exp - EXPIRY_SKEW_SECONDS;
}

/** Expired for every decision that could send a refresh or use a token: unknown counts as expired. */
export function isExpiredForUse(record: AuthRecord, nowMs: number): boolean {
  const exp = expiresAt(record);
  return exp === undefined || Math.floor(nowMs / 1000) >= exp - EXPIRY_SKEW_SECONDS;
}

/** The five-key record written after an exchange or a refresh (chatgpt-oauth.md §2.1). */
export function fullRecord(tokens: { access_token: string; refresh_token: string; id_token: string }): AuthRecord {
  const partial = { access_token: tokens.access_token, id_token: tokens.id_token };
  return {
    access_token: tokens.access_token,
    account_id: accountId(partial),
    expires_at: jwtExp(tokens.access_token) ?? null,
    id_token: tokens.id_token,
    refresh_token: tokens.refresh_token,
  };
}

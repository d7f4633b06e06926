// The ChatGPT auth record (chatgpt-oauth.md §2, §3): reading it from the effective CHATGPT_AUTH_JSON,
// its expiry and account id, and its serialisation. Pure apart from the clock passed in.
import { LlmAuthError } from '../../lib/errors.js';
import { decodeJwtClaims, jwtExp } from '../../lib/jwt.js';
import { compareCodePoints, pyTrim } from '../../lib/python.js';
import { AuthClaim, JsonObject, RecordFields } from './schemas.js';

/** The record as stored: a JSON object whose unknown keys are kept. Read its fields through `fieldsOf`. */
export type AuthRecord = Readonly<Record<string, unknown>>;

export const EXPIRY_SKEW_SECONDS = 60;

/** Parses the trimmed effective value; empty or undefined is the empty record (core.md §12.3). */
export function parseRecord(value: string | undefined): AuthRecord {
  const trimmed = pyTrim(value ?? '');
  if (trimmed === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    // The parser's message quotes the input, which holds tokens: never shown.
    throw new LlmAuthError('CHATGPT_AUTH_JSON did not contain valid JSON');
  }
  const record = JsonObject.parse(parsed);
  if (record === undefined) throw new LlmAuthError('CHATGPT_AUTH_JSON did not contain a JSON object');
  return record;
}

/** The typed fields: tokens as non-empty strings, `expires_at` when integral; anything else is missing. */
export function fieldsOf(record: AuthRecord): RecordFields {
  // Every field falls back to undefined, so an object always parses.
  return RecordFields.parse(record) ?? { access_token: undefined, refresh_token: undefined, id_token: undefined };
}

/** A token field counts as present when the key exists with a non-null value. */
export function hasField(record: AuthRecord, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key) && record[key] !== null && record[key] !== undefined;
}

/** The record's integral `expires_at`, else the access token's `exp`, else undefined. */
export function expiresAt(record: AuthRecord): number | undefined {
  const fields = fieldsOf(record);
  return fields.expires_at ?? jwtExp(record.access_token);
}

/** The account id claim of the id token (or of the access token when there is no id token). */
export function accountId(record: AuthRecord): string | null {
  const fields = fieldsOf(record);
  const claims = decodeJwtClaims(fields.id_token ?? record.access_token);
  const auth = AuthClaim.parse(claims?.['https://api.openai.com/auth']);
  return auth?.chatgpt_account_id ?? null;
}

/** The secrets a record holds, for redaction. */
export function recordSecrets(record: AuthRecord): string[] {
  const { access_token, refresh_token, id_token } = fieldsOf(record);
  return [access_token, refresh_token, id_token].filter((v): v is string => v !== undefined);
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

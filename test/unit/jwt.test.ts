import { describe, expect, it } from 'vitest';
import { decodeJwtClaims, jwtExp } from '../../src/lib/jwt.js';
import { accountId, expiresAt, parseRecord, serializeRecord } from '../../src/surfaces/chatgpt/record.js';

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
export const jwt = (claims: unknown): string => `${b64({ alg: 'RS256' })}.${b64(claims)}.sig`;

describe('JWT claims', () => {
  it('reads exp from the second segment, padding restored, truncated toward zero', () => {
    expect(jwtExp(jwt({ exp: 1795978121 }))).toBe(1795978121);
    expect(jwtExp(jwt({ exp: 1795978121.9 }))).toBe(1795978121);
    expect(jwtExp(jwt({ exp: -5.5 }))).toBe(-5);
    // A payload whose base64url needs padding (length % 4 != 0).
    const odd = jwt({ exp: 1, x: 'abc' });
    expect(odd.split('.')[1]!.length % 4).not.toBe(0);
    expect(jwtExp(odd)).toBe(1);
  });
  it('gives unknown for anything else', () => {
    expect(jwtExp(jwt({ exp: '1795978121' }))).toBeUndefined();
    expect(jwtExp(jwt([1]))).toBeUndefined();
    expect(jwtExp('not-a-jwt')).toBeUndefined();
    expect(jwtExp('a.!!!.c')).toBeUndefined();
    expect(jwtExp(`a.${Buffer.from('not json').toString('base64url')}.c`)).toBeUndefined();
    expect(jwtExp(undefined)).toBeUndefined();
    expect(decodeJwtClaims(jwt(null))).toBeUndefined();
  });
});

describe('the ChatGPT record', () => {
  it('prefers an integral expires_at, else the access token exp', () => {
    expect(expiresAt({ expires_at: 5, access_token: jwt({ exp: 9 }) })).toBe(5);
    expect(expiresAt({ expires_at: 5.5, access_token: jwt({ exp: 9 }) })).toBe(9);
    expect(expiresAt({ expires_at: null })).toBeUndefined();
  });
  it('takes the account id from the id token, falling back to the access token only without one', () => {
    const claim = (id: string) => ({ 'https://api.openai.com/auth': { chatgpt_account_id: id } });
    expect(accountId({ id_token: jwt(claim('acc-1')), access_token: jwt(claim('acc-2')) })).toBe('acc-1');
    expect(accountId({ id_token: '', access_token: jwt(claim('acc-2')) })).toBe('acc-2');
    expect(accountId({ id_token: jwt({}), access_token: jwt(claim('acc-2')) })).toBeNull();
  });
  it('rejects invalid JSON and non-objects with fixed messages that never quote the input', () => {
    expect(() => parseRecord('{"access_token": "secret-value-123"')).toThrow(/^CHATGPT_AUTH_JSON did not contain valid JSON$/);
    expect(() => parseRecord('["secret"]')).toThrow(/^CHATGPT_AUTH_JSON did not contain a JSON object$/);
    expect(parseRecord('  ')).toEqual({});
  });
  it('serialises compactly with keys sorted by code point and raw UTF-8', () => {
    expect(serializeRecord({ b: 1, a: { '😀': 'é', '～': null } })).toBe('{"a":{"～":null,"😀":"é"},"b":1}');
  });
});

describe('record serialisation key order', () => {
  it('sorts integer-like keys as strings, as Python does', () => {
    expect(serializeRecord({ '9': 1, '10': 2, a: 3 })).toBe('{"10":2,"9":1,"a":3}');
  });
});

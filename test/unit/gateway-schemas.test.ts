// The portal and gateway answers of gateway.md §14's test double, read through the gateway schemas.
import { describe, expect, it } from 'vitest';
import { errorMessage, gatewayError, keyInfoExpiry, portalKey } from '../../src/surfaces/gateway/schemas.js';

describe('portal and gateway answers', () => {
  it('reads a key only when it is one', () => {
    expect(portalKey({ api_key: 'sk-abcdefghijklmnopqrstuv' })).toBe('sk-abcdefghijklmnopqrstuv');
    expect(portalKey({})).toBeUndefined();
    for (const bad of ['', 'sk-a b', 'sk-a\n', 'x'.repeat(4097), 42, null]) expect(portalKey({ api_key: bad })).toBeUndefined();
    expect(portalKey({ api_key: 'x'.repeat(4096) })).toHaveLength(4096);
    expect(portalKey('<html>')).toBeUndefined();
    expect(portalKey([{ api_key: 'sk-x' }])).toBeUndefined();
  });

  it('takes the error message from an error object, else a string detail', () => {
    expect(errorMessage({ detail: 'API key creation is not allowed in the environment.' })).toBe(
      'API key creation is not allowed in the environment.',
    );
    const expired = {
      error: {
        message: 'Authentication Error - Expired Key. Key Expiry time ...',
        type: 'expired_key',
        param: 'None',
        code: '400',
      },
    };
    expect(errorMessage(expired)).toBe('Authentication Error - Expired Key. Key Expiry time ...');
    expect(gatewayError(expired)).toEqual({
      type: 'expired_key',
      message: 'Authentication Error - Expired Key. Key Expiry time ...',
    });
    expect(errorMessage({ error: 'a string', detail: 'the detail' })).toBe('the detail');
    expect(errorMessage({ detail: { loc: [] } })).toBeUndefined();
    expect(gatewayError('Budget has been exceeded')).toEqual({ type: '', message: '' });
  });

  it('reads the key expiry of /key/info as epoch seconds', () => {
    expect(keyInfoExpiry({ key: 'k', info: { expires: '2026-12-03T10:00:00Z', spend: 0 } })).toBe(
      Date.UTC(2026, 11, 3, 10) / 1000,
    );
    expect(keyInfoExpiry({ info: { expires: null } })).toBeUndefined();
    expect(keyInfoExpiry({ info: { expires: 'never' } })).toBeUndefined();
    expect(keyInfoExpiry({})).toBeUndefined();
  });
});

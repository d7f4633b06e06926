import { describe, expect, it } from 'vitest';
import { clean, HTML_CHALLENGE, rawError, maskSecrets, redactSecrets } from '../../src/lib/redact.js';

describe('redact (core.md §13)', () => {
  it('matches the examples', () => {
    expect(redactSecrets('abc sk-1234567890abcdef tail sk-12345 ... 90abcdef', ['sk-1234567890abcdef'])).toBe(
      'abc [redacted] tail [redacted-prefix] ... 90[redacted-suffix]',
    );
    expect(redactSecrets('short secretx here', ['secretx'])).toBe('short [redacted] here');
  });
  it('replaces whole values of every secret before any prefix, so JWTs sharing a prefix stay hidden', () => {
    const a = 'eyJhbGciOiJSUzI1NiJ9.AAAA.sigA';
    const b = 'eyJhbGciOiJSUzI1NiJ9.BBBBBBBB.sigB';
    expect(redactSecrets(`${a} ${b}`, [a, b])).toBe('[redacted] [redacted]');
  });
  it('counts 12 characters in code points and skips empty secrets', () => {
    expect(redactSecrets('😀😀😀😀😀😀😀😀😀😀😀😀😀 😀😀😀😀😀😀😀😀', ['😀😀😀😀😀😀😀😀😀😀😀😀😀x'])).toBe(
      '[redacted-prefix]😀😀😀😀😀 [redacted-prefix]',
    );
    expect(redactSecrets('abc', ['', 'zz'])).toBe('abc');
  });
});

describe('clean', () => {
  it('matches the example: colour codes and LiteLLM noise dropped, lines joined', () => {
    const text = '\x1b[31mError\x1b[0m\nProvider List: x\n  line two  \nGive Feedback / Get Help: y\nLiteLLM.Info: z';
    expect(clean(text, [])).toBe('Error line two');
  });
  it('turns HTML and Cloudflare pages into one fixed message', () => {
    expect(clean('<!DOCTYPE html><HTML><body>Just a moment...</body></HTML>', [])).toBe(HTML_CHALLENGE);
    expect(clean('window._cf_chl_opt={}', [])).toBe(HTML_CHALLENGE);
  });
  it('caps at 500 code points, and keeps the text when only noise lines remain', () => {
    expect(Array.from(clean('é'.repeat(600), []))).toHaveLength(500);
    expect(clean('  Provider List: only  ', [])).toBe('Provider List: only');
  });
  it('redacts before cleaning', () => {
    expect(clean('{"error":"bad key sk-1234567890abcdef"}', ['sk-1234567890abcdef'])).toBe('{"error":"bad key [redacted]"}');
  });
});

describe('rawError', () => {
  it('keeps everything, redacted, from <html on', () => {
    expect(rawError('HTTP junk <HTML>secret-token-1234567</HTML>', ['secret-token-1234567'])).toBe('<HTML>[redacted]</HTML>');
    expect(rawError('a\nb', [])).toBe('a\nb');
  });
});

describe('encoded spellings (core.md §8.10)', () => {
  const key = 'sk-1234567890abcdef';
  it('redacts JSON-escaped and URL-encoded whole secrets, with any mix of escapes', () => {
    const json = JSON.stringify({ k: key }).replace(/-/g, '\\u002d');
    expect(redactSecrets(json, [key])).toBe('{"k":"[redacted]"}');
    expect(redactSecrets(`a ${'\\u0073\\u006b'}-1234567890abcdef b`, [key])).toBe('a [redacted] b');
    expect(redactSecrets(`?key=sk%2D1234567890abcdef&x=1`, [key])).toBe('?key=[redacted]&x=1');
    expect(redactSecrets(`?key=%73%6B%2d1234567890abcdef`, [key])).toBe('?key=[redacted]');
  });

  it('redacts encoded prefixes and suffixes after every whole value', () => {
    expect(redactSecrets('x sk%2D12345 ... 90%61bcdef y', [key])).toBe('x [redacted-prefix] ... 90[redacted-suffix] y');
  });

  it('decodes escaped quotes and backslashes and UTF-8 runs', () => {
    const odd = 'pa"ss\\wörd-123456';
    expect(redactSecrets(JSON.stringify(odd), [odd])).toBe('"[redacted]"');
    expect(redactSecrets(encodeURIComponent(odd), [odd])).toBe('[redacted]');
  });

  it('leaves text without a secret byte for byte, escapes included', () => {
    const text = '{"a":"\\u002d%2D\\n"} 100% done %zz \\q';
    expect(redactSecrets(text, [key])).toBe(text);
    expect(maskSecrets(text, [key])).toBe(text);
  });

  it('maskSecrets replaces whole values only, in every spelling', () => {
    expect(maskSecrets('sk\\u002d1234567890abcdef and sk-12345678', [key])).toBe('[redacted] and sk-12345678');
  });
});

// Property: what the writer writes, the reader reads back identically; for the bare and single-quoted forms
// Node's dotenv.parse reads the same value too (core.md §5).
import { parse as dotenvParse } from 'dotenv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendBlock } from '../../src/store/document.js';
import { parseEnvelopes } from '../../src/store/envelope.js';
import { parseAssignments, quoteValue } from '../../src/store/values.js';

const NUM_RUNS = 10_000;

// Strings of every kind: full Unicode with lone surrogates, plus the characters that matter to the rule.
const special = fc.constantFrom(
  "'",
  '"',
  '\\',
  '#',
  ' ',
  '\t',
  '\n',
  '\r',
  '\u000b',
  '\u000c',
  '\u001c',
  '\u0085',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\u00a0',
  '\u3000',
  '\u0000',
  '\u007f',
  '\ud800',
  '\udfff',
  '=',
  '$',
  '`',
  '{',
  '}',
  'x',
  'N',
  'u',
  'U',
  '0',
  '7',
  '😀',
);
const anyString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.oneof(special, fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 })) }),
  fc.string({ unit: fc.constantFrom('a', 'B', '9', '_', '.', '/', ':', '@', '%', '+', '=', ',', '-') }),
);

describe('value round trip', () => {
  it('reads back exactly what quoteValue wrote, for any string', () => {
    fc.assert(
      fc.property(anyString, (value) => {
        const text = `KEY=${quoteValue(value)}\n`;
        expect(parseAssignments(text).get('KEY')).toBe(value);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('reads back the same through a whole appended envelope, among other lines', () => {
    fc.assert(
      fc.property(anyString, fc.constantFrom('', 'A=1', 'A=1\r\n', '\ufeffA=1\n# c'), (value, existing) => {
        const text = appendBlock(existing, [
          '# BEGIN LLM AUTH SURFACE s api-key',
          `KEY=${quoteValue(value)}`,
          '# END LLM AUTH SURFACE s api-key',
        ]);
        const body = text.startsWith('\ufeff') ? text.slice(1) : text;
        expect(parseAssignments(body).get('KEY')).toBe(value);
        expect(parseEnvelopes(body, 'F').map((s) => s.envKeys)).toEqual([['KEY']]);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('Node dotenv reads the bare and single-quoted forms identically', () => {
    let checked = 0;
    fc.assert(
      fc.property(anyString, (value) => {
        const written = quoteValue(value);
        if (written.startsWith('"')) return; // form 3 is exact for llm-auth and the Python tool only
        checked++;
        expect(dotenvParse(`KEY=${written}\n`).KEY).toBe(value);
      }),
      { numRuns: NUM_RUNS },
    );
    expect(checked).toBeGreaterThan(NUM_RUNS / 10);
  });
});

// Property: the one-pass pattern search and priority replacement give what replacing each secret in turn gave
// (the old `split(secret).join(marker)` per secret, which was quadratic in the number of secrets).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applySpans, PatternSet, prioritySpans } from '../../src/lib/patterns.js';
import { maskSecrets, redactSecrets, SecretMasker } from '../../src/lib/redact.js';

// Letters no marker contains (`[redacted-prefix]`...), so a marker never makes a new match in the oracle.
const word = (max: number) => fc.string({ unit: fc.constantFrom('q', 'w', 'z', 'k'), minLength: 1, maxLength: max });

function naiveOccurrences(text: string, patterns: readonly string[]): string[] {
  const out: string[] = [];
  patterns.forEach((p, i) => {
    for (let at = text.indexOf(p); at >= 0; at = text.indexOf(p, at + 1)) out.push(`${i}@${at}`);
  });
  return out.sort();
}

const sequential = (text: string, list: readonly string[], marker: (s: string) => string): string =>
  list.reduce((t, s) => t.split(s).join(marker(s)), text);

function oracleRedact(text: string, secrets: readonly string[]): string {
  const list = [...new Set(secrets.filter((s) => s !== ''))].sort((a, b) => b.length - a.length);
  let out = sequential(text, list, () => '[redacted]');
  for (const s of list) {
    const cps = Array.from(s);
    if (cps.length <= 12) continue;
    out = out.split(cps.slice(0, 8).join('')).join('[redacted-prefix]');
    out = out.split(cps.slice(-6).join('')).join('[redacted-suffix]');
  }
  return out;
}

describe('PatternSet', () => {
  it('finds every occurrence of every pattern, overlapping ones included', () => {
    fc.assert(
      fc.property(word(60), fc.uniqueArray(word(6), { maxLength: 12 }), (text, patterns) => {
        const found: string[] = [];
        new PatternSet(patterns).scan(text, (p, at) => found.push(`${p}@${at}`));
        expect(found.sort()).toEqual(naiveOccurrences(text, patterns));
      }),
      { numRuns: 3000 },
    );
  });

  it('replaces in priority order like one split per pattern', () => {
    fc.assert(
      fc.property(word(60), fc.uniqueArray(word(6), { maxLength: 8 }), (text, patterns) => {
        const markers = patterns.map((_, i) => `[${i}]`);
        const set = new PatternSet(patterns);
        expect(applySpans(text, prioritySpans(text, set, markers))).toBe(
          sequential(text, patterns, (p) => `[${patterns.indexOf(p)}]`),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('joins overlapping spans instead of printing part of either', () => {
    expect(
      applySpans('0123456789', [
        { start: 2, end: 6, marker: 'A' },
        { start: 4, end: 8, marker: 'B' },
      ]),
    ).toBe('01AB89');
    expect(
      applySpans('0123456789', [
        { start: 2, end: 8, marker: 'A' },
        { start: 3, end: 5, marker: 'B' },
      ]),
    ).toBe('01A89');
  });
});

describe('redaction in one pass', () => {
  it('redactSecrets and maskSecrets agree with replacing each secret in turn', () => {
    fc.assert(
      fc.property(word(80), fc.array(word(16), { maxLength: 8 }), (text, secrets) => {
        const planted = secrets.length > 0 ? text + secrets.join('') + text.slice(0, 5) : text;
        expect(redactSecrets(planted, secrets)).toBe(oracleRedact(planted, secrets));
        const list = [...new Set(secrets)].sort((a, b) => b.length - a.length);
        expect(maskSecrets(planted, secrets)).toBe(sequential(planted, list, () => '[redacted]'));
      }),
      { numRuns: 3000 },
    );
  });

  it('masks every one of 30,000 secrets in a text that holds them all', () => {
    const secrets = Array.from({ length: 30_000 }, (_, i) => `sk-proj-${i.toString(36).padStart(6, '0')}-abcdef`);
    const text = secrets.map((s, i) => `{"n":${i},"k":"${s}"}`).join('\n');
    const masked = new SecretMasker(secrets).mask(text);
    expect(masked.split('\n').every((l, i) => l === `{"n":${i},"k":"[redacted]"}`)).toBe(true);
  });
});

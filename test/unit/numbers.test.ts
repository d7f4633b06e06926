import { describe, expect, it } from 'vitest';
import { parsePythonFloat, positiveSeconds } from '../../src/lib/numbers.js';
import { encodeModel, responsesBody, responseText } from '../../src/surfaces/api-key.js';
import { renderAggregate, renderSingle } from '../../src/cli/commands/test.js';
import { parseEnvelopes } from '../../src/store/envelope.js';

describe("Python's float()", () => {
  it.each([
    ['60', 60],
    [' 0.5 ', 0.5],
    ['1e3', 1000],
    ['.5', 0.5],
    ['5.', 5],
    ['1_000', 1000],
    ['+2', 2],
    ['-inf', -Infinity],
    ['Infinity', Infinity],
  ])('%j -> %d', (text, value) => {
    expect(parsePythonFloat(text)).toBe(value);
  });
  it.each(['', ' ', 'abc', '0x10', '1__0', '_1', '1_', '1e', '.', '1.2.3'])('%j is not a float', (text) => {
    expect(parsePythonFloat(text)).toBeUndefined();
  });
  it('positiveSeconds refuses zero, negatives, inf and nan', () => {
    for (const t of ['0', '-1', 'inf', 'nan', '-0.0']) expect(positiveSeconds(t)).toBeUndefined();
    expect(positiveSeconds('0.001')).toBe(0.001);
  });
});

describe('api-key request pieces', () => {
  it('percent-encodes models leaving only unreserved characters', () => {
    expect(encodeModel('a/b')).toBe('a%2Fb');
    expect(encodeModel('o1 (x)')).toBe('o1%20%28x%29');
    expect(encodeModel("A-z_0.9~!*'")).toBe('A-z_0.9~%21%2A%27');
  });
  it('writes the responses body with Python spacing and ASCII escapes', () => {
    expect(responsesBody('m"é')).toBe(
      '{"model": "m\\"\\u00e9", "input": "Respond with exactly: 1", "max_output_tokens": 128, "store": false}',
    );
  });
  it('reads the answer text', () => {
    expect(responseText({ output_text: ' 1 ' })).toBe('1');
    expect(
      responseText({ output_text: 1, output: [{ content: [{ text: 'a' }, { text: 'b' }] }, { content: [{ text: 'c' }] }] }),
    ).toBe('abc');
    expect(responseText([])).toBe('');
    expect(responseText(null)).toBe('');
  });
});

describe('test result lines', () => {
  const [a, b] = parseEnvelopes(
    '# BEGIN LLM AUTH SURFACE a x\n# END LLM AUTH SURFACE a x\n# BEGIN LLM AUTH SURFACE b x\n# END LLM AUTH SURFACE b x\n',
    'F',
  );
  const results = [
    {
      surface: a!,
      subtests: [
        { name: 's1', pass: true, detail: 'model=m' },
        { name: 's2', pass: false, detail: '' },
      ],
    },
    {
      surface: b!,
      subtests: [
        { name: 's1', pass: false, detail: 'why' },
        { name: 's2', pass: false, detail: 'x' },
      ],
    },
  ];
  it('renders single-surface lines with details only when not empty', () => {
    expect(renderSingle(results)).toEqual(['a.s1: pass - model=m', 'a.s2: fail', 'b.s1: fail - why', 'b.s2: fail - x']);
  });
  it('renders aggregate lines', () => {
    expect(renderAggregate(results)).toEqual(['a: fail - s2', 'b: fail - subtests: s1, s2']);
  });
});

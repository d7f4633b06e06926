import { describe, expect, it } from 'vitest';
import { decodePythonLiteral, decodeValue, parseAssignment, parseAssignments, quoteValue } from '../../src/store/values.js';

const valueOf = (line: string): string | undefined => parseAssignment(line)?.[1];

describe('reading values (core.md §4.2 table)', () => {
  it.each([
    [`K='a' 'b'`, 'ab'],
    [`K="a\\"b"`, 'a"b'],
    [`K="C:\\\\dir"`, 'C:\\dir'],
    [`K='C:\\new'`, 'C:\new'],
    [`K='\\x41\\u00e9\\101\\1010'`, 'AéAA0'],
    [`K='\\d'`, '\\d'],
    [`K='''a'''`, 'a'],
    [`K='a' # note'`, 'a'],
    [`K='it's'`, "it's"],
    [`K="{"a":"b"}"`, '{"a":"b"}'],
    [`K='\\x4'`, '\\x4'],
    [`K="abc`, '"abc'],
    [`K=''`, ''],
  ])('%s', (line, value) => {
    expect(valueOf(line)).toBe(value);
  });

  it('decodes every escape kind', () => {
    expect(decodeValue(`'\\\\ \\' \\" \\a \\b \\f \\n \\r \\t \\v'`)).toBe('\\ \' " \u0007 \b \f \n \r \t \u000b');
    expect(decodeValue(`'\\0\\7\\77\\777\\1234'`)).toBe('\u0000\u0007\u003f\u01ff\u00534');
    expect(decodeValue(`'\\x7e\\uFFFF\\U0001F600'`)).toBe('~\uffff😀');
    expect(decodeValue(`"\\ud83d\\ude00"`)).toBe('😀');
    expect(decodeValue(`'\\ud800'`)).toBe('\ud800');
    expect(decodeValue(`'\\8\\z'`)).toBe('\\8\\z');
  });

  it('falls back to stripping the quotes on every failure', () => {
    expect(decodeValue(`'\\u12'`)).toBe('\\u12');
    expect(decodeValue(`'\\U00110000'`)).toBe('\\U00110000');
    expect(decodeValue(`'\\N{DASH}'`)).toBe('\\N{DASH}');
    expect(decodeValue(`'a', 'b'`)).toBe(`a', 'b`);
    expect(decodeValue(`'a' b'b'`)).toBe(`a' b'b`);
    expect(decodeValue(`'a' f'b'`)).toBe(`a' f'b`);
    expect(decodeValue(`'a\u0000b'`)).toBe('a\u0000b');
    expect(decodeValue(`''''`)).toBe(`''`);
  });

  it('accepts r, R, u, U prefixes after the first literal; raw literals keep backslashes', () => {
    expect(decodeValue(`'a' r'\\n' U'\\x41' R'\\q'`)).toBe('a\\nA\\q');
    expect(decodePythonLiteral(`r'a'`)).toBeUndefined();
    expect(decodePythonLiteral(`'a'"b"'''c'''"""d"""`)).toBe('abcd');
    expect(decodeValue(`'a'\t\f'b'`)).toBe('ab');
  });

  it('keeps unquoted values and inline comments as they are; export is not special', () => {
    expect(parseAssignment('K=abc # note')).toEqual(['K', 'abc # note']);
    expect(parseAssignment('export FOO = 1')).toEqual(['export FOO', '1']);
    expect(parseAssignment('  # K=1')).toBeUndefined();
    expect(parseAssignment(' =1')).toBeUndefined();
    expect(parseAssignment('no equals')).toBeUndefined();
    expect(parseAssignment('K="abc\'')).toEqual(['K', `"abc'`]);
  });

  it('lets the first assignment win', () => {
    const values = parseAssignments('K=1\nK=2\nL=\n');
    expect(values.get('K')).toBe('1');
    expect(values.get('L')).toBe('');
  });
});

describe('quoting for writing (core.md §5 table)', () => {
  it.each([
    ['sk-proj-Ab_12', 'sk-proj-Ab_12'],
    ['2026-11-29T15:21:16Z', '2026-11-29T15:21:16Z'],
    ['', "''"],
    ['a b', "'a b'"],
    ['sk or "x"', `'sk or "x"'`],
    ['{"a":"x y","b":1}', `'{"a":"x y","b":1}'`],
    ['abc#def', "'abc#def'"],
    ['café', "'café'"],
    ["it's", `"it's"`],
    ['C:\\dir', `"C:\\\\dir"`],
    ['a\nb', `"a\\nb"`],
    ['a\tb', `"a\\tb"`],
  ])('%j -> %s', (value, written) => {
    expect(quoteValue(value)).toBe(written);
  });

  it('escapes controls, separators, BOM and lone surrogates in the double-quoted form', () => {
    expect(quoteValue('\r\u0001\u007f\u0085\u2028\u2029\ufeff\ud800x😀')).toBe(
      '"\\r\\x01\\x7f\\x85\\u2028\\u2029\\ufeff\\ud800x😀"',
    );
    expect(quoteValue('\udc00')).toBe('"\\udc00"');
  });
});

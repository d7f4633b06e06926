import { describe, expect, it } from 'vitest';
import { compareCodePoints, human, pyJsonDumps, pyTrim, repr, splitLines } from '../../src/lib/python.js';

describe('splitLines (Python str.splitlines)', () => {
  it('splits on every separator Python knows, CRLF counting once', () => {
    expect(splitLines('a\r\nb\nc\rd\u000be\u000cf\u001cg\u001dh\u001ei\u0085j\u2028k\u2029l')).toEqual('abcdefghijkl'.split(''));
  });
  it('adds no empty line for a final separator, but keeps inner empty lines', () => {
    expect(splitLines('a\n\nb\n')).toEqual(['a', '', 'b']);
    expect(splitLines('')).toEqual([]);
    expect(splitLines('\n')).toEqual(['']);
    expect(splitLines('a\r')).toEqual(['a']);
  });
});

describe('pyTrim', () => {
  it("strips Python's whitespace set, not JavaScript's", () => {
    expect(pyTrim('\u001c\u001f a \u0085\u3000')).toBe('a');
    // U+FEFF is whitespace to JavaScript's trim() but not to Python.
    expect(pyTrim('\ufeffa\ufeff')).toBe('\ufeffa\ufeff');
    expect('\ufeffa'.trim()).toBe('a');
    expect(pyTrim('\u200b a')).toBe('\u200b a');
  });
});

describe('repr', () => {
  it('matches the examples of core.md §2.3', () => {
    expect(repr('nope')).toBe("'nope'");
    expect(repr("it's")).toBe(`"it's"`);
    expect(repr(`a'b"c`)).toBe(`'a\\'b"c'`);
    expect(repr('é\n')).toBe("'é\\n'");
  });
  it('escapes controls, format and separator characters by the shortest form', () => {
    expect(repr('\t\r\\\u0000\u007f\u00a0\u200b\u2028\u{e0001}\u{10ffff}x 😀')).toBe(
      "'\\t\\r\\\\\\x00\\x7f\\xa0\\u200b\\u2028\\U000e0001\\U0010ffffx 😀'",
    );
    expect(repr('\ud800')).toBe("'\\ud800'");
  });
  it('prints non-strings as Python would', () => {
    expect(repr(undefined)).toBe('None');
    expect(repr(null)).toBe('None');
    expect(repr(true)).toBe('True');
    expect(repr(false)).toBe('False');
    expect(repr(42)).toBe('42');
    expect(repr({ a: [1] })).toBe('{"a":[1]}');
  });
});

describe('pyJsonDumps (json.dumps(indent=2, sort_keys=True))', () => {
  it('prints empty containers inline and nests with two spaces', () => {
    expect(pyJsonDumps({})).toBe('{}');
    expect(pyJsonDumps({ b: [], a: { c: [1, null, true] } })).toBe(
      '{\n  "a": {\n    "c": [\n      1,\n      null,\n      true\n    ]\n  },\n  "b": []\n}',
    );
  });
  it('sorts keys by code point and escapes like ensure_ascii', () => {
    expect(pyJsonDumps({ '😀': 1, '～': 2 })).toBe('{\n  "\\uff5e": 2,\n  "\\ud83d\\ude00": 1\n}');
    expect(pyJsonDumps('"\\/\n\r\t\b\f\u0001\u007f é')).toBe('"\\"\\\\/\\n\\r\\t\\b\\f\\u0001\\u007f \\u00e9"');
  });
  it('compareCodePoints orders astral after U+FF5E (UTF-16 order would not)', () => {
    expect(compareCodePoints('～', '😀')).toBeLessThan(0);
    expect('～' < '😀').toBe(false);
  });
});

describe('human durations (core.md §2.5)', () => {
  it.each([
    [0, '0s'],
    [59, '59s'],
    [61, '1m 1s'],
    [3600, '1h 0m'],
    [10925, '3h 2m'],
    [86400, '1d 0h'],
    [90000, '1d 1h'],
    [-3700, '-1h 1m'],
    [-30, '-30s'],
  ])('%i -> %s', (s, text) => {
    expect(human(s)).toBe(text);
  });
});

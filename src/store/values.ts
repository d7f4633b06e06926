// Reading and writing assignment values (core.md §4, §5). Pure.
import { hex, pyTrim, splitLines } from '../lib/python.js';

/**
 * Decodes a value as Python's ast.literal_eval reads a sequence of adjacent string literals (core.md §4.2).
 * Returns undefined on any failure; the caller then strips the outer quotes.
 */
export function decodePythonLiteral(source: string): string | undefined {
  // Python refuses source text with NUL bytes before tokenising.
  if (source.includes('\0')) return undefined;
  let i = 0;
  let out = '';
  let literals = 0;
  const n = source.length;
  for (;;) {
    // Between literals: spaces, tabs and form feeds, and comments to the end of the line.
    while (i < n && (source[i] === ' ' || source[i] === '\t' || source[i] === '\f')) i++;
    if (i < n && source[i] === '#') break;
    if (i >= n) break;
    let raw = false;
    const c = source[i]!;
    if (c === 'r' || c === 'R' || c === 'u' || c === 'U') {
      if (literals === 0) return undefined;
      raw = c === 'r' || c === 'R';
      i++;
    }
    const q = source[i];
    if (q !== "'" && q !== '"') return undefined;
    const triple = source.startsWith(q.repeat(3), i);
    const close = triple ? q.repeat(3) : q;
    i += close.length;
    let body = '';
    let closed = false;
    while (i < n) {
      if (source.startsWith(close, i)) {
        i += close.length;
        closed = true;
        break;
      }
      if (source[i] === '\\' && i + 1 < n) {
        // A backslash always keeps the next character inside the literal.
        body += source.slice(i, i + 2);
        i += 2;
        continue;
      }
      body += source[i];
      i++;
    }
    if (!closed) return undefined;
    if (raw) out += body;
    else {
      const decoded = decodeEscapes(body);
      if (decoded === undefined) return undefined;
      out += decoded;
    }
    literals++;
  }
  return literals > 0 ? out : undefined;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\u0007',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\u000b',
};

function decodeEscapes(body: string): string | undefined {
  let out = '';
  let i = 0;
  while (i < body.length) {
    const ch = body[i]!;
    if (ch !== '\\') {
      out += ch;
      i++;
      continue;
    }
    const next = body[i + 1];
    if (next === undefined) return undefined;
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
      i += 2;
      continue;
    }
    if (next >= '0' && next <= '7') {
      let j = i + 1;
      while (j < body.length && j < i + 4 && body[j]! >= '0' && body[j]! <= '7') j++;
      out += String.fromCodePoint(parseInt(body.slice(i + 1, j), 8));
      i = j;
      continue;
    }
    const width = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
    if (width > 0) {
      const digits = body.slice(i + 2, i + 2 + width);
      if (digits.length !== width || !/^[0-9A-Fa-f]+$/.test(digits)) return undefined;
      const code = parseInt(digits, 16);
      if (code > 0x10ffff) return undefined;
      out += code <= 0xffff ? String.fromCharCode(code) : String.fromCodePoint(code);
      i += 2 + width;
      continue;
    }
    // \N{name} needs Unicode's name table, which Node lacks (core.md §15): a failure.
    if (next === 'N') return undefined;
    out += ch + next;
    i += 2;
  }
  return out;
}

/** The value of an assignment's right-hand side, already trimmed (core.md §4.1). */
export function decodeValue(value: string): string {
  if (value.length >= 2) {
    const first = value[0];
    if ((first === "'" || first === '"') && value[value.length - 1] === first) {
      return decodePythonLiteral(value) ?? value.slice(1, -1);
    }
  }
  return value;
}

/** Parses one line as an assignment: [key, decoded value] or undefined (core.md §4.1). */
export function parseAssignment(line: string): [string, string] | undefined {
  const trimmed = pyTrim(line);
  if (trimmed === '' || trimmed.startsWith('#')) return undefined;
  const eq = trimmed.indexOf('=');
  if (eq < 0) return undefined;
  const key = pyTrim(trimmed.slice(0, eq));
  if (key === '') return undefined;
  return [key, decodeValue(pyTrim(trimmed.slice(eq + 1)))];
}

/** Every assignment of the store text; the first one of a key wins (core.md §4.3). */
export function parseAssignments(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of splitLines(text)) {
    const pair = parseAssignment(line);
    if (pair && !values.has(pair[0])) values.set(pair[0], pair[1]);
  }
  return values;
}

const BARE = /^[A-Za-z0-9_./:@%+=,-]+$/;
// Characters that keep a value out of single quotes: quotes and backslashes, C0 and C1 controls,
// line and paragraph separators, BOM, and (checked separately) lone surrogates.
// eslint-disable-next-line no-control-regex -- control characters are exactly what this class matches
const NOT_SINGLE_QUOTABLE = /['\\\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;

export function isWellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

/** The text written after `KEY=` (core.md §5). */
export function quoteValue(value: string): string {
  if (BARE.test(value)) return value;
  if (isWellFormed(value) && !NOT_SINGLE_QUOTABLE.test(value)) return `'${value}'`;
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    const c = value.charCodeAt(i);
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) out += '\\x' + hex(c, 2);
    else if (c === 0x2028 || c === 0x2029 || c === 0xfeff) out += '\\u' + hex(c, 4);
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = value.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += value.slice(i, i + 2);
        i++;
      } else out += '\\u' + hex(c, 4);
    } else if (c >= 0xdc00 && c <= 0xdfff) out += '\\u' + hex(c, 4);
    else out += ch;
  }
  return out + '"';
}

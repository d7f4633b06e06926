// Text conventions shared with the Python llm-auth (core.md §2): Python's line splitting, whitespace set,
// repr() and json.dumps(indent=2, sort_keys=True). JavaScript's own trim(), \s and JSON.stringify differ.

// str.splitlines() separators, besides \r\n which counts as one.
const LINE_SEPARATORS = new Set(['\n', '\r', '\u000b', '\u000c', '\u001c', '\u001d', '\u001e', '\u0085', '\u2028', '\u2029']);

export function isLineSeparator(ch: string): boolean {
  return LINE_SEPARATORS.has(ch);
}

export function containsLineSeparator(text: string): boolean {
  for (const ch of text) if (LINE_SEPARATORS.has(ch)) return true;
  return false;
}

/** Python's str.splitlines(): a final separator adds no empty line. */
export function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const ch = text[i]!;
    if (!LINE_SEPARATORS.has(ch)) continue;
    lines.push(text.slice(start, i));
    if (ch === '\r' && text[i + 1] === '\n') i++;
    start = i + 1;
  }
  if (start < n) lines.push(text.slice(start));
  return lines;
}

// Python's str.isspace() set (core.md §2.2); U+FEFF is not in it.
export function isPyWhitespace(code: number): boolean {
  return (
    (code >= 0x09 && code <= 0x0d) ||
    (code >= 0x1c && code <= 0x20) ||
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

/** Python's str.strip(): every character of the set is in the BMP, so UTF-16 units suffice. */
export function pyTrim(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isPyWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isPyWhitespace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

export function pyTrimStart(text: string): string {
  let start = 0;
  while (start < text.length && isPyWhitespace(text.charCodeAt(start))) start++;
  return text.slice(start);
}

// General categories that repr() escapes (besides U+0020, which it prints).
const NON_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

/** Lowercase hex, zero-padded to `width`. */
export function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

/** Python's repr() of a string (core.md §2.3). */
export function reprString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + quote;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (code !== 0x20 && NON_PRINTABLE.test(ch)) {
      if (code <= 0xff) out += '\\x' + hex(code, 2);
      else if (code <= 0xffff) out += '\\u' + hex(code, 4);
      else out += '\\U' + hex(code, 8);
    } else out += ch;
  }
  return out + quote;
}

/** repr() of any JSON-ish value as the Python tool would print it. */
export function repr(value: unknown): string {
  if (value === undefined || value === null) return 'None';
  if (typeof value === 'string') return reprString(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  return JSON.stringify(value);
}

/** Compare strings by code point, as Python sorts them (not by UTF-16 unit). */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx - cy;
  }
}

/** A JSON string with ensure_ascii, as Python's json.dumps writes it. */
export function pyJsonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const ch = text[i]!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    // UTF-16 units are exactly the surrogate pairs Python writes for astral characters.
    else if (code < 0x20 || code > 0x7e) out += '\\u' + hex(code, 4);
    else out += ch;
  }
  return out + '"';
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** json.dumps(value, indent=2, sort_keys=True) (core.md §2.4), without the trailing newline. */
export function pyJsonDumps(value: JsonValue, indent = ''): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return pyJsonString(value);
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return '[\n' + value.map((v) => inner + pyJsonDumps(v, inner)).join(',\n') + '\n' + indent + ']';
  }
  const keys = Object.keys(value).sort(compareCodePoints);
  if (keys.length === 0) return '{}';
  return (
    '{\n' + keys.map((k) => inner + pyJsonString(k) + ': ' + pyJsonDumps(value[k]!, inner)).join(',\n') + '\n' + indent + '}'
  );
}

/** Human duration of integer seconds (core.md §2.5). */
export function human(seconds: number): string {
  const sign = seconds < 0 ? '-' : '';
  let s = Math.abs(Math.trunc(seconds));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `${sign}${d}d ${h}h`;
  if (h > 0) return `${sign}${h}h ${m}m`;
  if (m > 0) return `${sign}${m}m ${s}s`;
  return `${sign}${s}s`;
}

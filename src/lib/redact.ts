// Redaction and error cleaning (core.md §13). Pure.
import { applySpans, PatternSet, prioritySpans, type Replacement } from './patterns.js';
import { pyTrim, splitLines } from './python.js';

const codePoints = (s: string): string[] => Array.from(s);

/** The secrets to look for: distinct, non-empty, longest first. */
const secretList = (secrets: Iterable<string>): string[] =>
  [...new Set([...secrets].filter((s) => s !== ''))].sort((a, b) => b.length - a.length);

/** Patterns and what replaces each, compiled once (earlier patterns win overlaps). */
interface Compiled {
  readonly set: PatternSet;
  readonly markers: readonly string[];
}

const compile = (replacements: readonly Replacement[]): Compiled => ({
  set: new PatternSet(replacements.map((r) => r.piece)),
  markers: replacements.map((r) => r.marker),
});

/** Replaces each pattern in turn, in plain and then in encoded spellings. */
function replaceAll(text: string, compiled: Compiled): string {
  if (compiled.markers.length === 0) return text;
  const plain = applySpans(text, prioritySpans(text, compiled.set, compiled.markers));
  return redactEncoded(plain, compiled);
}

/** The prefix and suffix pieces of core.md §13, in the order they are replaced. */
function pieces(list: readonly string[]): Replacement[] {
  const out: Replacement[] = [];
  for (const secret of list) {
    const cps = codePoints(secret);
    if (cps.length <= 12) continue;
    out.push({ piece: cps.slice(0, 8).join(''), marker: '[redacted-prefix]' });
    out.push({ piece: cps.slice(-6).join(''), marker: '[redacted-suffix]' });
  }
  // A piece shared by two secrets counts where it first comes (PatternSet reports a repeated pattern once).
  return out;
}

const whole = (list: readonly string[]): Replacement[] => list.map((piece) => ({ piece, marker: '[redacted]' }));

/**
 * Every whole secret first (longest first), then the first 8 and last 6 characters of each secret longer than
 * 12 characters. Whole values first, so one JWT's prefix pass cannot break the match of another (core.md §15).
 * Then the same again on the text's JSON-escaped (`\u002d`, `\/`) and URL-encoded (`%2D`) spellings, which a
 * server may echo (core.md §8.10).
 */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  const list = secretList(secrets);
  // Whole values in every spelling before any prefix or suffix, which would break an encoded whole match.
  return replaceAll(replaceAll(text, compile(whole(list))), compile(pieces(list)));
}

/**
 * Whole secrets only, in plain and encoded spellings: the output layer's last line of defence (core.md §14.2).
 * Compiled once for many texts: the output layer masks every line it prints with every secret of the store.
 */
export class SecretMasker {
  private readonly compiled: Compiled;

  constructor(secrets: Iterable<string>) {
    this.compiled = compile(whole(secretList(secrets)));
  }

  mask(text: string): string {
    return replaceAll(text, this.compiled);
  }
}

export const maskSecrets = (text: string, secrets: Iterable<string>): string => new SecretMasker(secrets).mask(text);

/** Text with its escapes decoded; `from[i]`/`to[i]` give the span of the original that decoded unit i came from. */
interface Decoded {
  readonly text: string;
  readonly from: number[];
  readonly to: number[];
}

const JSON_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const HEX4 = /^[0-9a-fA-F]{4}$/;
const HEX2 = /^[0-9a-fA-F]{2}$/;

/** Decodes `\uXXXX`, `\"`-style JSON escapes and `%XX` URL escapes (UTF-8 sequences included), keeping a map. */
function decodeEscapes(text: string): Decoded {
  let out = '';
  const from: number[] = [];
  const to: number[] = [];
  const emit = (s: string, start: number, end: number): void => {
    out += s;
    for (let k = 0; k < s.length; k++) {
      from.push(start);
      to.push(end);
    }
  };
  for (let i = 0; i < text.length;) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === 'u' && HEX4.test(text.slice(i + 2, i + 6))) {
      emit(String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16)), i, i + 6);
      i += 6;
    } else if (c === '\\' && i + 1 < text.length && JSON_ESCAPES[text[i + 1]!] !== undefined) {
      emit(JSON_ESCAPES[text[i + 1]!]!, i, i + 2);
      i += 2;
    } else if (c === '%' && HEX2.test(text.slice(i + 1, i + 3))) {
      // A run of %XX: decoded as UTF-8 when it is valid, else byte by byte as Latin-1.
      const bytes: number[] = [];
      let j = i;
      while (text[j] === '%' && HEX2.test(text.slice(j + 1, j + 3))) {
        bytes.push(parseInt(text.slice(j + 1, j + 3), 16));
        j += 3;
      }
      let decoded: string;
      try {
        decoded = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
      } catch {
        decoded = String.fromCharCode(...bytes);
      }
      emit(decoded, i, j);
      i = j;
    } else {
      emit(c, i, i + 1);
      i += 1;
    }
  }
  return { text: out, from, to };
}

/** Replaces the encoded spellings of each piece (in order; earlier replacements win overlaps). */
function redactEncoded(text: string, compiled: Compiled): string {
  if (!text.includes('\\') && !text.includes('%')) return text;
  const decoded = decodeEscapes(text);
  if (decoded.text === text) return text;
  const spans = prioritySpans(decoded.text, compiled.set, compiled.markers).map(({ start, end, marker }) => ({
    start: decoded.from[start]!,
    end: decoded.to[end - 1]!,
    marker,
  }));
  return applySpans(text, spans);
}

export const HTML_CHALLENGE = 'ChatGPT backend returned an HTML/Cloudflare challenge';
const NOISE = ['Provider List:', 'Give Feedback / Get Help:', 'LiteLLM.Info:'];

export function looksLikeHtmlChallenge(text: string): boolean {
  return text.toLowerCase().includes('<html') || text.includes('cf_chl');
}

/** Redact, recognise HTML challenges, drop colour codes and LiteLLM noise, join lines, cap at 500. */
export function clean(text: string, secrets: Iterable<string>): string {
  const redacted = redactSecrets(text, secrets);
  if (looksLikeHtmlChallenge(redacted)) return HTML_CHALLENGE;
  // eslint-disable-next-line no-control-regex -- ESC starts the colour codes removed here
  const plain = redacted.replace(/\x1b\[[0-9;]*m/g, '');
  const kept = splitLines(plain)
    .map(pyTrim)
    .filter((l) => l !== '' && !NOISE.some((n) => l.includes(n)));
  const joined = kept.length > 0 ? kept.join(' ') : pyTrim(plain);
  return codePoints(joined).slice(0, 500).join('');
}

/** What `--show-raw-error` shows: redacted, from the first `<html` on when there is one, uncapped. */
export function rawError(text: string, secrets: Iterable<string>): string {
  const redacted = redactSecrets(text, secrets);
  const at = redacted.toLowerCase().indexOf('<html');
  return at >= 0 ? redacted.slice(at) : redacted;
}

// Text edits of the store: append an envelope, write the managed ChatGPT block, migrate legacy blocks
// (core.md §6, §9.3). Pure: text in, text out. Lines nobody edits keep their bytes and terminators.
import { storeError } from '../lib/errors.js';
import { containsLineSeparator, pyTrim, reprString } from '../lib/python.js';
import { isoSeconds } from '../lib/time.js';
import { matchBegin, matchEnd } from './envelope.js';
import { quoteValue } from './values.js';

export const HEADER_LINES: readonly string[] = [
  '# LLM auth store for this repo.',
  '# Bootstrap: add API-key env vars by hand; use llm-auth login for managed OAuth surfaces.',
  '# API-key surfaces are configured by env vars below.',
  '# Every auth surface should be wrapped in a BEGIN/END metadata envelope.',
  '# A surface may have multiple auth modes, such as api-key and subscription-oauth.',
  '# Managed OAuth surfaces may be refreshed by llm-auth.',
];

export const MANAGED_BEGIN = '# BEGIN LLM AUTH SURFACE chatgpt subscription-oauth (managed by llm-auth)';
export const MANAGED_END = '# END LLM AUTH SURFACE chatgpt subscription-oauth';
const MANAGED_METADATA = ['# surface=chatgpt', '# auth=subscription-oauth', '# env=CHATGPT_AUTH_JSON', '# renew=true'];
const MANAGED_KEYS = new Set(['surface', 'auth', 'env', 'renew']);

const LEGACY_BLOCKS: ReadonlyArray<readonly [string, string]> = [
  ['# BEGIN LLM AUTH SURFACE chatgpt subscription-oauth (managed by tools/llm-auth)', MANAGED_END],
  ['# BEGIN LITELLM CHATGPT OAUTH (managed by tools/llm-auth)', '# END LITELLM CHATGPT OAUTH'],
  ['# BEGIN LITELLM CHATGPT OAUTH (managed by tools/litellm-auth)', '# END LITELLM CHATGPT OAUTH'],
  ['# BEGIN CODEX OAUTH (managed by tools/codex_oauth_env.py)', '# END CODEX OAUTH'],
  ['# BEGIN LITELLM CHATGPT OAUTH (managed by tools/codex_oauth_env.py)', '# END LITELLM CHATGPT OAUTH'],
];

/** The text without its leading U+FEFF (BOM), which parsing ignores and writing restores (core.md §2.1). */
export function stripBom(text: string): string {
  return text.startsWith('\ufeff') ? text.slice(1) : text;
}

/** A line of the write model: its content and its own terminator ('' only for a last line without one). */
export interface Line {
  content: string;
  term: string;
}

export interface Document {
  bom: boolean;
  lines: Line[];
  /** The terminator every added line uses: `\r\n` when the first terminator is one, else `\n`. */
  style: string;
}

/** Splits decoded text into the write model (core.md §6.2): only `\r\n` and `\n` end lines here. */
export function toDocument(text: string): Document {
  let bom = false;
  if (text.startsWith('\ufeff')) {
    bom = true;
    text = text.slice(1);
  }
  const lines: Line[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) {
      if (start < text.length) lines.push({ content: text.slice(start), term: '' });
      break;
    }
    const crlf = nl > start && text[nl - 1] === '\r';
    lines.push({ content: text.slice(start, crlf ? nl - 1 : nl), term: crlf ? '\r\n' : '\n' });
    start = nl + 1;
  }
  const first = lines.find((l) => l.term !== '');
  return { bom, lines, style: first?.term === '\r\n' ? '\r\n' : '\n' };
}

/** Joins the model back; every line but a final untouched one ends with its terminator or the style. */
export function fromDocument(doc: Document, terminateLast = true): string {
  let out = doc.bom ? '\ufeff' : '';
  doc.lines.forEach((line, i) => {
    const last = i === doc.lines.length - 1;
    out += line.content + (line.term !== '' ? line.term : last && !terminateLast ? '' : doc.style);
  });
  return out;
}

/** Appends an envelope (core.md §9.3): existing bytes unchanged; a blank store gets the header first. */
export function appendBlock(text: string, block: readonly string[]): string {
  const doc = toDocument(text);
  const fresh = (line: string): Line => ({ content: line, term: doc.style });
  if (pyTrim(doc.lines.map((l) => l.content + l.term).join('')) === '') {
    doc.lines = [...HEADER_LINES, '', ...block].map(fresh);
    return fromDocument(doc);
  }
  doc.lines.push(fresh(''), ...block.map(fresh));
  return fromDocument(doc);
}

const isEmpty = (line: Line): boolean => line.content === '';

function dropTrailingEmpty(lines: Line[]): Line[] {
  let end = lines.length;
  while (end > 0 && isEmpty(lines[end - 1]!)) end--;
  return lines.slice(0, end);
}

function dropLeadingEmpty(lines: Line[]): Line[] {
  let start = 0;
  while (start < lines.length && isEmpty(lines[start]!)) start++;
  return lines.slice(start);
}

function findTrimmed(lines: readonly Line[], wanted: string, from = 0): number {
  for (let i = from; i < lines.length; i++) if (pyTrim(lines[i]!.content) === wanted) return i;
  return -1;
}

function missingEnd(begin: string, end: string): Error {
  return storeError(`found ${reprString(begin)} without matching ${reprString(end)}`);
}

/** Removes the legacy blocks of earlier tools (core.md §6.4 step 1). */
export function migrateLegacyBlocks(lines: Line[], style: string): Line[] {
  for (const [begin, end] of LEGACY_BLOCKS) {
    const b = findTrimmed(lines, begin);
    if (b < 0) continue;
    const e = findTrimmed(lines, end, b + 1);
    if (e < 0) throw missingEnd(begin, end);
    const before = dropTrailingEmpty(lines.slice(0, b));
    const after = dropTrailingEmpty(dropLeadingEmpty(lines.slice(e + 1)));
    lines = before.length > 0 && after.length > 0 ? [...before, { content: '', term: style }, ...after] : [...before, ...after];
  }
  return lines;
}

/**
 * Writes the ChatGPT record into the managed block (core.md §6.3, §6.4): legacy blocks removed, the block
 * replaced in place (or appended), the blank lines around it normalised, the header ensured.
 */
export function writeManagedRecord(text: string, recordJson: string, nowMs: number): string {
  const doc = toDocument(text);
  const { style } = doc;
  const fresh = (content: string): Line => ({ content, term: style });
  const lines = migrateLegacyBlocks(doc.lines, style);

  let before: Line[];
  let after: Line[] = [];
  let kept: string[] = [];
  const b = findTrimmed(lines, MANAGED_BEGIN);
  if (b < 0) before = dropTrailingEmpty(lines);
  else {
    const e = findTrimmed(lines, MANAGED_END, b + 1);
    if (e < 0) throw missingEnd(MANAGED_BEGIN, MANAGED_END);
    before = dropTrailingEmpty(lines.slice(0, b));
    after = dropTrailingEmpty(dropLeadingEmpty(lines.slice(e + 1)));
    // User-added metadata such as `# live_backend=true` survives a rewrite (core.md §15).
    kept = lines
      .slice(b + 1, e)
      .map((l) => pyTrim(l.content))
      .filter((t) => {
        if (!t.startsWith('#') || !t.includes('=')) return false;
        const rest = pyTrim(t.slice(1));
        return !MANAGED_KEYS.has(pyTrim(rest.slice(0, rest.indexOf('='))));
      });
  }
  const block = [
    MANAGED_BEGIN,
    ...MANAGED_METADATA,
    ...kept,
    `CHATGPT_AUTH_JSON=${quoteValue(recordJson)}`,
    `LITELLM_CHATGPT_AUTH_SYNCED_AT=${isoSeconds(nowMs)}`,
    MANAGED_END,
  ].map(fresh);

  const parts = [before, block, after].filter((p) => p.length > 0);
  let out: Line[] = [];
  parts.forEach((part, i) => {
    if (i > 0) out.push(fresh(''));
    out.push(...part);
  });
  out = dropLeadingEmpty(out);
  const hasHeader = HEADER_LINES.every((h, i) => out[i]?.content === h);
  if (!hasHeader) out = [...HEADER_LINES.map(fresh), fresh(''), ...out];
  // A former last line that is no longer last, or still last, gets the style's terminator.
  return fromDocument({ bom: doc.bom, lines: out, style });
}

/**
 * Removes the managed ChatGPT block (commands.md §6): its record, sync stamp and metadata. The lines around it
 * end up separated by one blank line. Undefined when the text has no managed block.
 */
export function removeManagedBlock(text: string): string | undefined {
  const doc = toDocument(text);
  const b = findTrimmed(doc.lines, MANAGED_BEGIN);
  if (b < 0) return undefined;
  const e = findTrimmed(doc.lines, MANAGED_END, b + 1);
  if (e < 0) throw missingEnd(MANAGED_BEGIN, MANAGED_END);
  const before = dropTrailingEmpty(doc.lines.slice(0, b));
  const after = dropLeadingEmpty(doc.lines.slice(e + 1));
  const gap = before.length > 0 && after.length > 0 ? [{ content: '', term: doc.style }] : [];
  doc.lines = [...before, ...gap, ...after];
  return fromDocument(doc, false);
}

/** 0-based indexes (in the write model) of the lines assigning `key` outside every envelope. */
export function assignmentsOutsideEnvelopes(text: string, key: string): number[] {
  const doc = toDocument(text);
  const found: number[] = [];
  let inside = false;
  doc.lines.forEach((line, i) => {
    const trimmed = pyTrim(line.content);
    if (matchBegin(trimmed)) inside = true;
    else if (matchEnd(trimmed)) inside = false;
    else if (!inside && assignmentKey(line.content) === key) found.push(i);
  });
  return found;
}

/**
 * Appends an envelope whose variable line is an existing assignment moved from outside the envelopes: the
 * line keeps its bytes; the rest of the text is unchanged but for that line.
 */
export function appendMovingLine(text: string, block: readonly string[], variableAt: number, lineIndex: number): string {
  const doc = toDocument(text);
  const moved = doc.lines[lineIndex]!.content;
  doc.lines.splice(lineIndex, 1);
  const withBlock = [...block];
  withBlock[variableAt] = moved;
  return appendBlock(fromDocument(doc, false), withBlock);
}

/** The key of a `# key=value` metadata line, or undefined (the trimmed line, as envelope parsing reads it). */
function metadataKey(content: string): string | undefined {
  const t = pyTrim(content);
  if (!t.startsWith('#')) return undefined;
  const rest = pyTrim(t.slice(1));
  const eq = rest.indexOf('=');
  return eq < 0 ? undefined : pyTrim(rest.slice(0, eq));
}

/** The key of a `KEY=value` assignment line, or undefined. */
function assignmentKey(content: string): string | undefined {
  const t = pyTrim(content);
  if (t === '' || t.startsWith('#')) return undefined;
  const eq = t.indexOf('=');
  const key = eq < 0 ? '' : pyTrim(t.slice(0, eq));
  return key === '' ? undefined : key;
}

export interface EnvelopeId {
  readonly name: string;
  readonly auth: string;
}

/** The BEGIN and END line indexes of the first envelope with this name and mode. */
function findEnvelope(lines: readonly Line[], id: EnvelopeId): { begin: number; end: number } {
  for (let i = 0; i < lines.length; i++) {
    const begin = matchBegin(pyTrim(lines[i]!.content));
    if (!begin || begin[0] !== id.name || begin[1] !== id.auth) continue;
    for (let j = i + 1; j < lines.length; j++) {
      const end = matchEnd(pyTrim(lines[j]!.content));
      if (end) return { begin: i, end: j };
    }
    break;
  }
  throw storeError(`auth surface ${id.name} ${id.auth} not found in the store`);
}

/**
 * Sets `KEY=value` inside an envelope: the first assignment of the key is replaced (its terminator kept),
 * or a new line goes before the END marker. Every other line keeps its bytes.
 */
export function setEnvelopeVariable(text: string, id: EnvelopeId, key: string, value: string): string {
  const doc = toDocument(text);
  const { begin, end } = findEnvelope(doc.lines, id);
  // An emptied variable keeps its name and nothing else (`KEY=`), as add-gateway and logout write it.
  const content = value === '' ? `${key}=` : `${key}=${quoteValue(value)}`;
  const at = doc.lines.findIndex((l, i) => i > begin && i < end && assignmentKey(l.content) === key);
  if (at >= 0) doc.lines[at] = { content, term: doc.lines[at]!.term };
  else doc.lines.splice(end, 0, { content, term: doc.style });
  return fromDocument(doc, false);
}

/**
 * Sets (or, with undefined, removes) the `# key=value` metadata line of an envelope. Every line of the key is
 * removed; a new value takes the place of the first one, else follows the envelope's last metadata line.
 */
export function setEnvelopeMetadata(text: string, id: EnvelopeId, key: string, value: string | undefined): string {
  if (containsLineSeparator(key) || (value !== undefined && containsLineSeparator(value))) {
    throw storeError(`metadata ${key} must be a single line`);
  }
  const doc = toDocument(text);
  const { begin, end } = findEnvelope(doc.lines, id);
  const inside = doc.lines.slice(begin + 1, end);
  const first = inside.findIndex((l) => metadataKey(l.content) === key);
  let lastMetadata = -1;
  inside.forEach((l, i) => {
    if (metadataKey(l.content) !== undefined) lastMetadata = i;
  });
  const kept = inside.filter((l) => metadataKey(l.content) !== key);
  if (value !== undefined) {
    // Position among the kept lines: where the first old line was, else after the last metadata line.
    kept.splice(first >= 0 ? first : lastMetadata + 1, 0, { content: `# ${key}=${value}`, term: doc.style });
  }
  doc.lines = [...doc.lines.slice(0, begin + 1), ...kept, ...doc.lines.slice(end)];
  return fromDocument(doc, false);
}

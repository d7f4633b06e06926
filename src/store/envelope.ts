// Envelope grammar: store text -> surfaces (core.md §3). Pure.
import { storeError } from '../lib/errors.js';
import { pyTrim, splitLines } from '../lib/python.js';

export interface Surface {
  readonly name: string;
  readonly auth: string;
  /** `surface` and `auth` first, then the envelope's `# key=value` comments (later keys win). */
  readonly metadata: Readonly<Record<string, string>>;
  readonly envKeys: readonly string[];
  readonly primaryEnv: string | undefined;
  /** 1-based line of the BEGIN marker; 0 for built-in surfaces. */
  readonly line: number;
}

// \s and \S of core.md §3 are Python's whitespace set, not JavaScript's.
const WS = '[\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const NWS = WS.replace('[', '[^');
const BEGIN_RE = new RegExp(`^# BEGIN LLM AUTH SURFACE${WS}+(${NWS}+)${WS}+(${NWS}+)(?:${WS}+\\(.*\\))?${WS}*$`, 's');
const END_RE = new RegExp(`^# END LLM AUTH SURFACE${WS}+(${NWS}+)${WS}+(${NWS}+)${WS}*$`);

export function matchBegin(trimmedLine: string): [string, string] | undefined {
  const m = BEGIN_RE.exec(trimmedLine);
  return m ? [m[1]!, m[2]!] : undefined;
}

export function matchEnd(trimmedLine: string): [string, string] | undefined {
  const m = END_RE.exec(trimmedLine);
  return m ? [m[1]!, m[2]!] : undefined;
}

interface Open {
  name: string;
  auth: string;
  line: number;
  metadata: Record<string, string>;
  envKeys: string[];
}

function finish(open: Open): Surface {
  const envKeys = [...open.envKeys];
  const env = open.metadata.env ?? '';
  if (env !== '' && !envKeys.includes(env)) envKeys.unshift(env);
  const primaryEnv = env !== '' ? env : envKeys[0];
  return { name: open.name, auth: open.auth, metadata: open.metadata, envKeys, primaryEnv, line: open.line };
}

/** Parses every envelope of the text (BOM already removed). `displayPath` only appears in errors. */
export function parseEnvelopes(text: string, displayPath: string): Surface[] {
  const surfaces: Surface[] = [];
  let open: Open | undefined;
  const lines = splitLines(text);
  for (let index = 0; index < lines.length; index++) {
    const lineNo = index + 1;
    const line = pyTrim(lines[index]!);
    const begin = matchBegin(line);
    if (begin) {
      if (open) throw storeError(`nested auth surface envelope at ${displayPath}:${lineNo}`);
      open = {
        name: begin[0],
        auth: begin[1],
        line: lineNo,
        // Object.create(null): metadata keys come from the file and may be `__proto__`.
        metadata: Object.assign(Object.create(null) as Record<string, string>, { surface: begin[0], auth: begin[1] }),
        envKeys: [],
      };
      continue;
    }
    if (!open) continue;
    const end = matchEnd(line);
    if (end) {
      if (end[0] !== open.name || end[1] !== open.auth) {
        throw storeError(
          `auth surface envelope opened as ${open.name} ${open.auth} but closed as ${end[0]} ${end[1]} at ${displayPath}:${lineNo}`,
        );
      }
      surfaces.push(finish(open));
      open = undefined;
      continue;
    }
    if (line.startsWith('#')) {
      const rest = pyTrim(line.slice(1));
      const eq = rest.indexOf('=');
      if (eq >= 0) open.metadata[pyTrim(rest.slice(0, eq))] = pyTrim(rest.slice(eq + 1));
      continue;
    }
    const eq = line.indexOf('=');
    if (eq >= 0) {
      const key = pyTrim(line.slice(0, eq));
      if (key !== '' && !open.envKeys.includes(key)) open.envKeys.push(key);
    }
  }
  if (open) throw storeError(`auth surface envelope opened at ${displayPath}:${open.line} without a matching END marker`);
  return surfaces;
}

export const DEFAULT_CHATGPT_SURFACE: Surface = {
  name: 'chatgpt',
  auth: 'subscription-oauth',
  metadata: { surface: 'chatgpt', auth: 'subscription-oauth', env: 'CHATGPT_AUTH_JSON', renew: 'true' },
  envKeys: ['CHATGPT_AUTH_JSON'],
  primaryEnv: 'CHATGPT_AUTH_JSON',
  line: 0,
};

export function isChatgptSurface(surface: Surface): boolean {
  return surface.auth === 'subscription-oauth' && surface.primaryEnv === 'CHATGPT_AUTH_JSON';
}

export function metadataFlag(surface: Surface, key: string): boolean {
  return (surface.metadata[key] ?? '').toLowerCase() === 'true';
}

/** Distinct names in file order. */
export function distinctNames(surfaces: readonly Surface[]): string[] {
  return [...new Set(surfaces.map((s) => s.name))];
}

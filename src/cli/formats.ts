// The formats of `llm-auth env` (commands.md §3.4): set and unset lines for sh, fish and PowerShell, a
// dotenv file, or one JSON object. Pure.
import { compareCodePoints, pyJsonDumps, type JsonValue } from '../lib/python.js';
import { quoteValue } from '../store/values.js';

export const FORMATS = ['sh', 'fish', 'powershell', 'dotenv', 'json'] as const;
export type Format = (typeof FORMATS)[number];

const shQuote = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;
const fishQuote = (v: string): string => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const psQuote = (v: string): string => `'${v.replace(/'/g, "''")}'`;

/** Unset lines first, sorted by name, then set lines, sorted by name; each ends with a newline. */
export function renderExports(format: Format, set: ReadonlyMap<string, string>, unset: ReadonlySet<string>): string {
  const sets = [...set.keys()].sort(compareCodePoints);
  const unsets = [...unset].filter((n) => !set.has(n)).sort(compareCodePoints);
  if (format === 'json') {
    const doc: Record<string, JsonValue> = {};
    for (const n of [...unsets, ...sets].sort(compareCodePoints)) doc[n] = set.has(n) ? set.get(n)! : null;
    return `${pyJsonDumps(doc)}\n`;
  }
  const lines: string[] = [];
  for (const n of unsets) {
    if (format === 'sh') lines.push(`unset ${n}`);
    else if (format === 'fish') lines.push(`set -e ${n}`);
    else if (format === 'powershell') lines.push(`Remove-Item -Path Env:${n} -ErrorAction SilentlyContinue`);
  }
  for (const n of sets) {
    const v = set.get(n)!;
    if (format === 'sh') lines.push(`export ${n}=${shQuote(v)}`);
    else if (format === 'fish') lines.push(`set -gx ${n} ${fishQuote(v)}`);
    else if (format === 'powershell') lines.push(`$env:${n} = ${psQuote(v)}`);
    else lines.push(`${n}=${quoteValue(v)}`);
  }
  return lines.map((l) => `${l}\n`).join('');
}

// Reading numbers from option text the way Python's float() does (the Python tool parses `--timeout` so).
import { pyTrim } from './python.js';

const DIGITS = '\\d(?:_?\\d)*';
const FLOAT = new RegExp(`^[+-]?(?:(?:${DIGITS})?\\.${DIGITS}|${DIGITS}\\.?)(?:[eE][+-]?${DIGITS})?$`);
const SPECIAL = /^[+-]?(?:inf|infinity|nan)$/i;

/** float(text) or undefined when Python would raise ValueError. */
export function parsePythonFloat(text: string): number | undefined {
  const t = pyTrim(text);
  if (SPECIAL.test(t)) return t.toLowerCase().includes('nan') ? NaN : t.startsWith('-') ? -Infinity : Infinity;
  if (!FLOAT.test(t)) return undefined;
  return Number(t.replace(/_/g, ''));
}

/** Seconds as a positive finite float, or undefined. */
export function positiveSeconds(text: string): number | undefined {
  const v = parsePythonFloat(text);
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : undefined;
}

/** setTimeout takes at most 2^31 - 1 ms. */
export const toTimerMs = (seconds: number): number => Math.min(Math.ceil(seconds * 1000), 2 ** 31 - 1);

// A parsed view of the store text: its surfaces and values, the process environment first (core.md §4.3). Pure.
import type { Environment } from '../lib/runtime.js';
import { stripBom } from './document.js';
import { parseEnvelopes, type Surface } from './envelope.js';
import type { StorePath } from './path.js';
import { splitLines } from '../lib/python.js';
import { parseAssignment, parseAssignments } from './values.js';

export interface StoreView {
  readonly surfaces: readonly Surface[];
  /** The effective value: the process environment when defined (even empty), else the first assignment. */
  value(key: string): string | undefined;
  /** The first assignment in the file, ignoring the environment. */
  fileValue(key: string): string | undefined;
  /** Whether the process environment defines the variable. */
  fromEnvironment(key: string): boolean;
  /** After llm-auth writes a value, the process keeps using it (as the Python tool updates os.environ). */
  setValue(key: string, value: string): void;
  /** The 1-based line of the key's first assignment in the file, for messages. */
  lineOf(key: string): number | undefined;
}

/** Parses the text (undefined: a missing store); envelope errors throw with the display path and line. */
export function viewOf(p: StorePath, text: string | undefined, env: Environment): StoreView {
  const body = stripBom(text ?? '');
  const surfaces = parseEnvelopes(body, p.display);
  const fileValues = parseAssignments(body);
  const written = new Map<string, string>();
  const inEnv = (key: string): boolean => Object.prototype.hasOwnProperty.call(env, key) && env[key] !== undefined;
  return {
    surfaces,
    value(key: string): string | undefined {
      if (written.has(key)) return written.get(key);
      if (inEnv(key)) return env[key];
      return fileValues.get(key);
    },
    fileValue: (key) => fileValues.get(key),
    fromEnvironment: inEnv,
    setValue(key, value) {
      written.set(key, value);
    },
    lineOf(key) {
      const index = splitLines(body).findIndex((line) => parseAssignment(line)?.[0] === key);
      return index < 0 ? undefined : index + 1;
    },
  };
}

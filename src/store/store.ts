// The store as commands see it: its path, its surfaces and the effective values (core.md §1.3, §4.3).
import * as path from 'node:path';
import { stripBom } from './document.js';
import { parseEnvelopes, type Surface } from './envelope.js';
import { readStoreText, type StorePath } from './file.js';
import { parseAssignments } from './values.js';

export type Environment = Readonly<Record<string, string | undefined>>;

/** Normalises like Python's pathlib: `//` collapsed, `.` segments and a trailing `/` removed, `..` kept. */
export function normalizeLikePathlib(p: string): string {
  if (p === '') return '.';
  let root = '';
  if (p.startsWith('/')) root = p.startsWith('//') && !p.startsWith('///') ? '//' : '/';
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  const joined = root + parts.join('/');
  return joined === '' ? '.' : joined;
}

export function resolveStorePath(envFile: string | undefined, cwd: string, home: string): StorePath {
  if (envFile === undefined) {
    const absolute = path.join(cwd, '.env');
    return { absolute, display: absolute };
  }
  let expanded = envFile;
  if (expanded === '~') expanded = home;
  else if (expanded.startsWith('~/')) expanded = home + expanded.slice(1);
  const display = normalizeLikePathlib(expanded);
  return { absolute: path.resolve(cwd, display), display };
}

export interface LoadedStore {
  readonly path: StorePath;
  readonly exists: boolean;
  readonly surfaces: readonly Surface[];
  /** The effective value: the process environment when defined (even empty), else the first assignment. */
  value(key: string): string | undefined;
  /** The first assignment in the file, ignoring the environment. */
  fileValue(key: string): string | undefined;
  /** Whether the process environment defines the variable. */
  fromEnvironment(key: string): boolean;
  /** After llm-auth writes a value, the process keeps using it (as the Python tool updates os.environ). */
  setValue(key: string, value: string): void;
}

export function storeFromText(p: StorePath, text: string | undefined, env: Environment): LoadedStore {
  const body = stripBom(text ?? '');
  const surfaces = parseEnvelopes(body, p.display);
  const fileValues = parseAssignments(body);
  const written = new Map<string, string>();
  const inEnv = (key: string): boolean => Object.prototype.hasOwnProperty.call(env, key) && env[key] !== undefined;
  return {
    path: p,
    exists: text !== undefined,
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
  };
}

/** Reads and parses the store (missing = empty). Errors are LlmAuthErrors with exit code 1. */
export function loadStore(p: StorePath, env: Environment): LoadedStore {
  return storeFromText(p, readStoreText(p)?.text, env);
}

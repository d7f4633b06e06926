// Where the store is: the absolute path for file operations and the display path for messages (core.md §1.3).
import { join, resolve } from 'node:path';

export interface StorePath {
  readonly absolute: string;
  readonly display: string;
}

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
    const absolute = join(cwd, '.env');
    return { absolute, display: absolute };
  }
  let expanded = envFile;
  if (expanded === '~') expanded = home;
  else if (expanded.startsWith('~/')) expanded = home + expanded.slice(1);
  const display = normalizeLikePathlib(expanded);
  return { absolute: resolve(cwd, display), display };
}

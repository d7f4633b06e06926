// The file-based ignored check (core.md §8.8), used when the VCS binary is missing or the marker is not a
// repository. It matches the way git (and Mercurial) would, so the fallback agrees with the real answer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function readLines(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n');
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Translates a bracket expression starting at `start` (the `[`); returns [regex, next index] or undefined. */
function bracket(glob: string, start: number): [string, number] | undefined {
  let i = start + 1;
  let negate = false;
  if (glob[i] === '!' || glob[i] === '^') {
    negate = true;
    i++;
  }
  let body = '';
  let first = true;
  while (i < glob.length) {
    let ch = glob[i]!;
    if (ch === ']' && !first) return [`[${negate ? '^/' : ''}${body}]`, i + 1];
    first = false;
    if (ch === '\\' && i + 1 < glob.length) {
      i++;
      ch = glob[i]!;
    }
    // A range `a-z` passes through; every other character is escaped inside the class.
    if (ch === '-' && body !== '' && glob[i + 1] !== ']' && i + 1 < glob.length) body += '-';
    else body += ch.replace(/[\\\][^-]/g, '\\$&');
    i++;
  }
  return undefined;
}

/** A gitignore glob (without anchoring) as a regex body. Undefined when it can never match. */
export function gitGlobToRegex(glob: string): string | undefined {
  let out = '';
  let i = 0;
  if (glob.startsWith('**/')) {
    out += '(?:.*/)?';
    i = 3;
  }
  while (i < glob.length) {
    if (glob.startsWith('/**/', i)) {
      out += '/(?:.*/)?';
      i += 4;
      continue;
    }
    if (glob.startsWith('/**', i) && i + 3 === glob.length) {
      out += '/.*';
      i += 3;
      continue;
    }
    const ch = glob[i]!;
    if (ch === '*') {
      out += '[^/]*';
      while (glob[i] === '*') i++;
      continue;
    }
    if (ch === '?') out += '[^/]';
    else if (ch === '[') {
      const b = bracket(glob, i);
      if (!b) return undefined;
      out += b[0];
      i = b[1];
      continue;
    } else if (ch === '\\') {
      i++;
      if (i >= glob.length) return undefined;
      out += escapeRegex(glob[i]!);
    } else out += escapeRegex(ch);
    i++;
  }
  return out;
}

interface GitPattern {
  regex: RegExp;
  negate: boolean;
  dirOnly: boolean;
  anchored: boolean;
  /** Directory of the source, relative to the root, '' for the root. */
  base: string;
}

export function parseGitignoreLine(raw: string, base: string): GitPattern | undefined {
  let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (line === '' || line.startsWith('#')) return undefined;
  // Trailing spaces go unless escaped with a backslash.
  let end = line.length;
  while (end > 0 && line[end - 1] === ' ' && line[end - 2] !== '\\') end--;
  line = line.slice(0, end);
  let negate = false;
  if (line.startsWith('!')) {
    negate = true;
    line = line.slice(1);
  }
  if (line === '') return undefined;
  let dirOnly = false;
  if (line.endsWith('/') && !line.endsWith('\\/')) {
    dirOnly = true;
    line = line.slice(0, -1);
  }
  if (line === '') return undefined;
  const anchored = line.includes('/');
  if (line.startsWith('/')) line = line.slice(1);
  const body = gitGlobToRegex(line);
  if (body === undefined) return undefined;
  return { regex: new RegExp(`^${body}$`, 's'), negate, dirOnly, anchored, base };
}

function matchesGit(pattern: GitPattern, candidate: string, isDir: boolean): boolean {
  if (pattern.dirOnly && !isDir) return false;
  let rel = candidate;
  if (pattern.base !== '') {
    if (!candidate.startsWith(pattern.base + '/')) return false;
    rel = candidate.slice(pattern.base.length + 1);
  }
  const subject = pattern.anchored ? rel : rel.slice(rel.lastIndexOf('/') + 1);
  return pattern.regex.test(subject);
}

/** Whether git would ignore `rel` (a path relative to `root`, `/`-separated) by its ignore files. */
export function gitIgnoredByFiles(root: string, rel: string, hasGitDir: boolean): boolean {
  const segments = rel.split('/');
  const patterns: GitPattern[] = [];
  const addSource = (file: string, base: string): void => {
    for (const line of readLines(file)) {
      const p = parseGitignoreLine(line, base);
      if (p) patterns.push(p);
    }
  };
  if (hasGitDir) addSource(join(root, '.git', 'info', 'exclude'), '');
  addSource(join(root, '.gitignore'), '');
  for (let depth = 1; depth < segments.length; depth++) {
    const base = segments.slice(0, depth).join('/');
    addSource(join(root, ...segments.slice(0, depth), '.gitignore'), base);
  }
  const decide = (candidate: string, isDir: boolean): GitPattern | undefined => {
    let decided: GitPattern | undefined;
    for (const p of patterns) if (matchesGit(p, candidate, isDir)) decided = p;
    return decided;
  };
  // An ignored parent directory cannot be re-included from below.
  for (let depth = 1; depth < segments.length; depth++) {
    const d = decide(segments.slice(0, depth).join('/'), true);
    if (d && !d.negate) return true;
  }
  const own = decide(rel, false);
  return own !== undefined && !own.negate;
}

/** A Mercurial glob as a regex body. */
export function hgGlobToRegex(glob: string): string {
  let out = '';
  let i = 0;
  let group = 0;
  while (i < glob.length) {
    const ch = glob[i]!;
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        if (glob[i + 2] === '/') {
          out += '(?:.*/)?';
          i += 3;
        } else {
          out += '.*';
          i += 2;
        }
        continue;
      }
      out += '[^/]*';
    } else if (ch === '?') out += '.';
    else if (ch === '[') {
      const b = bracket(glob, i);
      if (!b) out += '\\[';
      else {
        out += b[0];
        i = b[1];
        continue;
      }
    } else if (ch === '{') {
      group++;
      out += '(?:';
    } else if (ch === '}' && group > 0) {
      group--;
      out += ')';
    } else if (ch === ',' && group > 0) out += '|';
    else if (ch === '\\' && i + 1 < glob.length) {
      i++;
      out += escapeRegex(glob[i]!);
    } else out += escapeRegex(ch);
    i++;
  }
  return out + ')'.repeat(group);
}

/** Whether Mercurial would ignore `rel` by `{root}/.hgignore`. */
export function hgIgnoredByFile(root: string, rel: string): boolean {
  const segments = rel.split('/');
  const candidates = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
  let syntax = 'regexp';
  for (const raw of readLines(join(root, '.hgignore'))) {
    // An unescaped `#` starts a comment; `\#` is a literal `#`.
    let line = '';
    for (let i = 0; i < raw.length; i++) {
      if (raw[i] === '\\' && raw[i + 1] === '#') {
        line += '#';
        i++;
      } else if (raw[i] === '#') break;
      else line += raw[i];
    }
    line = line.trim();
    if (line === '') continue;
    const switched = /^syntax:\s*(\S+)$/.exec(line);
    if (switched) {
      const s = switched[1]!;
      if (s === 'regexp' || s === 're') syntax = 'regexp';
      else if (s === 'glob' || s === 'rootglob') syntax = s;
      continue;
    }
    let kind = syntax;
    const prefix = /^(re|regexp|glob|rootglob):/.exec(line);
    if (prefix) {
      kind = prefix[1] === 're' ? 'regexp' : prefix[1]!;
      line = line.slice(prefix[0].length);
    }
    let regex: RegExp;
    try {
      if (kind === 'regexp') regex = new RegExp(line);
      else if (kind === 'glob') regex = new RegExp(`^(?:.*/)?${hgGlobToRegex(line)}$`, 's');
      else regex = new RegExp(`^${hgGlobToRegex(line)}$`, 's');
    } catch {
      continue; // an invalid regexp is ignored
    }
    if (candidates.some((c) => regex.test(c))) return true;
  }
  return false;
}

// Finding the repositories around a store (core.md §8.2, amended by §8.10): every `.git`, `.hg` and `.sl`
// marker from the store's directory up to the filesystem root, nearest first. Only the filesystem is read.
import { type Stats, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export type MarkerKind = '.git' | '.hg' | '.sl';

export interface Marker {
  /** The directory holding the marker (the work tree's root, as far as the filesystem tells). */
  readonly dir: string;
  readonly kind: MarkerKind;
  /** `.git/sl` exists: a Sapling checkout in git mode. */
  readonly saplingInGit: boolean;
  /**
   * The VCS's own directory: `.git` (or where a `gitdir:` file points), `.hg`, `.sl`. Undefined for a `.git`
   * file that points nowhere, which the safety checks refuse (fail closed).
   */
  readonly metadataDir: string | undefined;
  /** Why a `.git` file is unusable, for the fail-closed error. */
  readonly broken?: string;
}

function statOrUndefined(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

const isDir = (p: string): boolean => statOrUndefined(p)?.isDirectory() === true;

/** A `.git` entry: a directory, or a worktree's or submodule's `gitdir:` file (which must point somewhere). */
function gitMarker(dir: string): Marker | undefined {
  const dotGit = join(dir, '.git');
  const st = statOrUndefined(dotGit);
  if (!st) return undefined;
  if (st.isDirectory()) return { dir, kind: '.git', saplingInGit: isDir(join(dotGit, 'sl')), metadataDir: dotGit };
  if (!st.isFile()) return undefined;
  let text: string;
  try {
    text = readFileSync(dotGit, 'utf8');
  } catch {
    return { dir, kind: '.git', saplingInGit: false, metadataDir: undefined, broken: `${dotGit} cannot be read` };
  }
  const match = /^gitdir: *(.+?)\s*$/m.exec(text);
  if (!match || !text.startsWith('gitdir:')) {
    return { dir, kind: '.git', saplingInGit: false, metadataDir: undefined, broken: `${dotGit} is not a gitdir file` };
  }
  const target = resolve(dir, match[1]!);
  if (!isDir(target)) {
    return {
      dir,
      kind: '.git',
      saplingInGit: false,
      metadataDir: undefined,
      broken: `${dotGit} points to ${target}, which does not exist`,
    };
  }
  return { dir, kind: '.git', saplingInGit: false, metadataDir: target };
}

/** The marker of one directory, in the order of core.md §8.2: `.git`, `.hg`, `.sl`. */
function markerIn(dir: string): Marker | undefined {
  const git = gitMarker(dir);
  if (git) return git;
  if (isDir(join(dir, '.hg'))) return { dir, kind: '.hg', saplingInGit: false, metadataDir: join(dir, '.hg') };
  if (isDir(join(dir, '.sl'))) return { dir, kind: '.sl', saplingInGit: false, metadataDir: join(dir, '.sl') };
  return undefined;
}

/** Every repository marker from `start` up to the root, nearest first (core.md §8.10: each one is asked). */
export function findMarkers(start: string): Marker[] {
  const found: Marker[] = [];
  for (let dir = start; ;) {
    const marker = markerIn(dir);
    if (marker) found.push(marker);
    const parent = dirname(dir);
    if (parent === dir) return found;
    dir = parent;
  }
}

/** A linked worktree's shared git directory (named by its `commondir` file), else the git directory itself. */
export function commonDirOf(gitDir: string): string {
  try {
    return resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim());
  } catch {
    return gitDir;
  }
}

/** `[include]` and `[includeIf "..."]`: a git config that reads other files, which we do not follow. */
export const CONFIG_INCLUDE = /^\s*\[\s*include/im;

/** The nearest marker (core.md §8.2). */
export const findMarker = (start: string): Marker | undefined => findMarkers(start)[0];

/**
 * The store's directory, or its nearest existing ancestor, resolved with realpath (`start`); and the store's
 * path under that real directory (`storeReal`; the file itself is not resolved).
 */
export function realLocation(storeAbs: string): { start: string; storeReal: string } {
  let dir = dirname(storeAbs);
  const rest: string[] = [basename(storeAbs)];
  for (;;) {
    try {
      const real = realpathSync(dir);
      return { start: real, storeReal: join(real, ...rest) };
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return { start: dir, storeReal: join(dir, ...rest) };
      rest.unshift(basename(dir));
      dir = parent;
    }
  }
}

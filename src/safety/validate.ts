// The store safety checks (core.md §8): permission, ignored, tracked, history, in that order, failing closed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { storeError } from '../lib/errors.js';
import type { StorePath } from '../store/file.js';
import { gitIgnoredByFiles, hgIgnoredByFile } from './ignorefile.js';
import { createVcsRunner, type VcsRunner } from './runner.js';
import { gitDriver, isProblem, mercurialDriver, saplingDriver, type Answer, type VcsDriver, type VcsName } from './vcs.js';

export interface ValidateOptions {
  /** false only for `add-api-key --allow-unignored`: skips the ignored check and nothing else. */
  requireIgnored?: boolean;
  /** `add-api-key` words the not-ignored failure differently. */
  purpose?: 'add-api-key' | 'other';
  runner?: VcsRunner;
  warn?: (message: string) => void;
  platform?: NodeJS.Platform;
}

/** Permission check (core.md §8.1); also refuses an existing store that is not a regular file. */
export function checkPermissions(p: StorePath, platform: NodeJS.Platform = process.platform): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(p.absolute);
  } catch {
    return; // a missing store is created 0600; an unreadable one fails when it is read
  }
  if (!st.isFile()) throw storeError(`${p.display} is not a regular file`);
  if (platform === 'win32') return;
  if ((st.mode & 0o077) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(3, '0');
    throw storeError(`${p.display} permissions ${mode} are too open; run: chmod 600 ${p.display}`);
  }
}

interface Marker {
  dir: string;
  kind: '.git' | '.hg' | '.sl';
  /** `.git/sl` exists: a Sapling checkout in git mode. */
  saplingInGit: boolean;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isGitMarker(p: string): boolean {
  try {
    const st = fs.statSync(p);
    if (st.isDirectory()) return true;
    // A worktree or submodule has a `.git` file pointing at its git directory.
    return st.isFile() && fs.readFileSync(p, 'utf8').startsWith('gitdir:');
  } catch {
    return false;
  }
}

/** The store's directory, or its nearest existing ancestor, resolved; plus the store's real path. */
function realLocation(storeAbs: string): { start: string; storeReal: string } {
  let dir = path.dirname(storeAbs);
  const rest: string[] = [path.basename(storeAbs)];
  for (;;) {
    try {
      const real = fs.realpathSync(dir);
      return { start: real, storeReal: path.join(real, ...rest) };
    } catch {
      const parent = path.dirname(dir);
      if (parent === dir) return { start: dir, storeReal: path.join(dir, ...rest) };
      rest.unshift(path.basename(dir));
      dir = parent;
    }
  }
}

/** Finds the nearest repository marker walking up from `start` (core.md §8.2). */
export function findMarker(start: string): Marker | undefined {
  let dir = start;
  for (;;) {
    if (isGitMarker(path.join(dir, '.git'))) {
      return { dir, kind: '.git', saplingInGit: isDir(path.join(dir, '.git', 'sl')) };
    }
    if (isDir(path.join(dir, '.hg'))) return { dir, kind: '.hg', saplingInGit: false };
    if (isDir(path.join(dir, '.sl'))) return { dir, kind: '.sl', saplingInGit: false };
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

const MESSAGES: Record<VcsName, { ignorefile: string; pattern: (rel: string) => string; untrack: (rel: string) => string }> = {
  git: { ignorefile: '.gitignore', pattern: (rel) => `/${rel}`, untrack: (rel) => `git rm --cached ${rel}` },
  mercurial: {
    ignorefile: '.hgignore',
    pattern: (rel) => `^${rel.replace(/[.^$*+?()[\]{}|\\]/g, '\\$&')}$`,
    untrack: (rel) => `hg forget ${rel}`,
  },
  sapling: { ignorefile: '.gitignore', pattern: (rel) => `/${rel}`, untrack: (rel) => `sl forget ${rel}` },
};

function toRel(root: string, storeReal: string): string {
  return path.relative(root, storeReal).split(path.sep).join('/');
}

/**
 * Runs every check in order; the first failure throws an LlmAuthError (exit 1). Missing binaries fall back
 * to the ignore files and warn; VCS errors fail closed.
 */
export async function validateEnvStore(p: StorePath, options: ValidateOptions = {}): Promise<void> {
  const requireIgnored = options.requireIgnored !== false;
  const warn = options.warn ?? (() => undefined);
  checkPermissions(p, options.platform);
  const { start, storeReal } = realLocation(p.absolute);
  const marker = findMarker(start);
  if (!marker) return;
  const run = options.runner ?? createVcsRunner();

  const failNotIgnored = (vcs: VcsName, rel: string): Error =>
    storeError(
      options.purpose === 'add-api-key'
        ? `refusing to write API key surface to ${p.display}: ${p.display} is not ignored by ${vcs}`
        : `${p.display} is not ignored by ${vcs}; add ${MESSAGES[vcs].pattern(rel)} to ${MESSAGES[vcs].ignorefile}`,
    );
  const unwrap = <T>(answer: Answer<T>, vcs: VcsName): T => {
    if (isProblem(answer)) {
      throw storeError(`cannot check ${p.display} with ${vcs}: ${answer.problem === 'error' ? answer.detail : 'not found'}`);
    }
    return answer;
  };
  const fileIgnored = (vcs: VcsName): boolean => {
    const rel = toRel(marker.dir, storeReal);
    return vcs === 'mercurial' ? hgIgnoredByFile(marker.dir, rel) : gitIgnoredByFiles(marker.dir, rel, marker.kind === '.git');
  };
  const inHistory = (vcs: VcsName): Error =>
    storeError(`${p.display} appears in ${vcs} commit history; rotate the secrets it held and purge it from history`);
  const fallback = (driver: VcsDriver, binaryMissing: boolean): void => {
    if (requireIgnored && !fileIgnored(driver.name)) throw failNotIgnored(driver.name, toRel(marker.dir, storeReal));
    if (binaryMissing) {
      warn(
        `${driver.binary} not found; could not check whether ${p.display} is tracked by ${driver.name} or appears in its commit history`,
      );
    }
  };

  let driver: VcsDriver;
  if (marker.kind === '.git') driver = gitDriver(run);
  else if (marker.kind === '.hg') driver = mercurialDriver(run);
  else {
    const sl = saplingDriver(run);
    if (isProblem(await sl.installed())) return fallback(sl, true);
    driver = sl;
  }

  const storeExists = fs.existsSync(p.absolute);
  // The three questions are asked at once, assuming the marker's directory is the root; the answers are
  // used only when the VCS confirms that root, and in the order of the checks. (Answers never reject, so
  // the ones we end up not reading need no handling.)
  const ask = (root: string) => {
    const rel = toRel(root, storeReal);
    const ignored: Promise<Answer<boolean>> | undefined = !requireIgnored
      ? undefined
      : driver.name === 'sapling' && !storeExists
        ? Promise.resolve(fileIgnored('sapling'))
        : driver.ignored(root, rel);
    return { rel, ignored, tracked: driver.tracked(root, rel), history: driver.history(root, rel) };
  };
  const speculative = ask(marker.dir);
  const rootAnswer = await driver.root(start);
  if (isProblem(rootAnswer) && rootAnswer.problem === 'missing') return fallback(driver, true);
  const root = unwrap(rootAnswer, driver.name);
  if (root === null) return fallback(driver, false);
  const answers = path.resolve(root) === marker.dir ? speculative : ask(path.resolve(root));
  if (answers.ignored && !unwrap(await answers.ignored, driver.name)) throw failNotIgnored(driver.name, answers.rel);
  const msg = MESSAGES[driver.name];
  if (unwrap(await answers.tracked, driver.name)) {
    throw storeError(
      `${p.display} is tracked by ${driver.name}; untrack it (${msg.untrack(answers.rel)}) and rotate the secrets it held`,
    );
  }
  if (unwrap(await answers.history, driver.name)) throw inHistory(driver.name);
  if (marker.saplingInGit) {
    // git decided; a Sapling checkout in git mode may also hold history only Sapling knows.
    const sl = saplingDriver(run);
    if (!isProblem(await sl.installed())) {
      const hit = await sl.history(path.resolve(root), answers.rel);
      if (unwrap(hit, 'sapling')) throw inHistory('sapling');
    }
  }
}

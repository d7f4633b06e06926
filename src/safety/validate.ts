// The store safety checks (core.md §8): permission, ignored, tracked, history, in that order, failing closed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { storeError } from '../lib/errors.js';
import type { Runtime } from '../lib/runtime.js';
import type { StorePath } from '../store/path.js';
import { gitIgnoredByFiles, hgIgnoredByFile } from './ignorefile.js';
import { gitDriver, isProblem, mercurialDriver, saplingDriver, type Answer, type VcsDriver, type VcsName } from './vcs.js';

/** Permission check (core.md §8.1); also refuses an existing store that is not a regular file. */
export function checkPermissions(p: StorePath, platform: NodeJS.Platform): void {
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

interface CheckPlan {
  readonly p: StorePath;
  readonly marker: Marker;
  readonly storeReal: string;
  readonly requireIgnored: boolean;
  readonly purpose: 'add-api-key' | 'other';
  readonly warn: (message: string) => void;
}

const toRelFrom = (plan: CheckPlan, root: string): string => toRel(root, plan.storeReal);

function notIgnored(plan: CheckPlan, vcs: VcsName, rel: string): Error {
  const { p } = plan;
  return storeError(
    plan.purpose === 'add-api-key'
      ? `refusing to write API key surface to ${p.display}: ${p.display} is not ignored by ${vcs}`
      : `${p.display} is not ignored by ${vcs}; add ${MESSAGES[vcs].pattern(rel)} to ${MESSAGES[vcs].ignorefile}`,
  );
}

function inHistory(plan: CheckPlan, vcs: VcsName): Error {
  return storeError(`${plan.p.display} appears in ${vcs} commit history; rotate the secrets it held and purge it from history`);
}

/** A VCS answer, or the fail-closed error (core.md §8.7). */
function unwrap<T>(plan: CheckPlan, answer: Answer<T>, vcs: VcsName): T {
  if (isProblem(answer)) {
    throw storeError(`cannot check ${plan.p.display} with ${vcs}: ${answer.problem === 'error' ? answer.detail : 'not found'}`);
  }
  return answer;
}

/** The ignore files decide (core.md §8.8). */
function ignoredByFiles(plan: CheckPlan, vcs: VcsName): boolean {
  const rel = toRelFrom(plan, plan.marker.dir);
  return vcs === 'mercurial'
    ? hgIgnoredByFile(plan.marker.dir, rel)
    : gitIgnoredByFiles(plan.marker.dir, rel, plan.marker.kind === '.git');
}

/** Without the binary (or outside a repository) only the ignored check can be made, from the files. */
function fallback(plan: CheckPlan, driver: VcsDriver, binaryMissing: boolean): void {
  if (plan.requireIgnored && !ignoredByFiles(plan, driver.name))
    throw notIgnored(plan, driver.name, toRelFrom(plan, plan.marker.dir));
  if (binaryMissing) {
    plan.warn(
      `${driver.binary} not found; could not check whether ${plan.p.display} is tracked by ${driver.name} or appears in its commit history`,
    );
  }
}

interface Questions {
  rel: string;
  ignored: Promise<Answer<boolean>> | undefined;
  tracked: Promise<Answer<boolean>>;
  history: Promise<Answer<boolean>>;
}

/** Asks the three questions at once (answers never reject, so unread ones need no handling). */
function ask(plan: CheckPlan, driver: VcsDriver, root: string, storeExists: boolean): Questions {
  const rel = toRelFrom(plan, root);
  const ignored: Promise<Answer<boolean>> | undefined = !plan.requireIgnored
    ? undefined
    : driver.name === 'sapling' && !storeExists
      ? Promise.resolve(ignoredByFiles(plan, 'sapling'))
      : driver.ignored(root, rel);
  return { rel, ignored, tracked: driver.tracked(root, rel), history: driver.history(root, rel) };
}

/** The answers, used in the order of the checks: ignored, tracked, history. */
async function judge(plan: CheckPlan, driver: VcsDriver, answers: Questions): Promise<void> {
  if (answers.ignored && !unwrap(plan, await answers.ignored, driver.name)) throw notIgnored(plan, driver.name, answers.rel);
  if (unwrap(plan, await answers.tracked, driver.name)) {
    throw storeError(
      `${plan.p.display} is tracked by ${driver.name}; untrack it (${MESSAGES[driver.name].untrack(answers.rel)}) and rotate the secrets it held`,
    );
  }
  if (unwrap(plan, await answers.history, driver.name)) throw inHistory(plan, driver.name);
}

export interface SafetyOptions {
  /** false only for `add-api-key --allow-unignored`: skips the ignored check and nothing else. */
  requireIgnored?: boolean;
  /** `add-api-key` words the not-ignored failure differently. */
  purpose?: 'add-api-key' | 'other';
  warn?: (message: string) => void;
}

/**
 * The store safety checks (core.md §8): permission, then ignored, tracked and history for the repository
 * around the store. The first failure throws an LlmAuthError (exit 1). Missing binaries fall back to the
 * ignore files and warn; VCS errors fail closed.
 */
export async function checkStoreSafety(p: StorePath, rt: Runtime, options: SafetyOptions = {}): Promise<void> {
  checkPermissions(p, rt.platform);
  const { start, storeReal } = realLocation(p.absolute);
  const marker = findMarker(start);
  if (!marker) return;
  const plan: CheckPlan = {
    p,
    marker,
    storeReal,
    requireIgnored: options.requireIgnored !== false,
    purpose: options.purpose ?? 'other',
    warn: options.warn ?? (() => undefined),
  };
  const run = rt.vcs;

  let driver: VcsDriver;
  if (marker.kind === '.git') driver = gitDriver(run);
  else if (marker.kind === '.hg') driver = mercurialDriver(run);
  else {
    const sl = saplingDriver(run);
    if (isProblem(await sl.installed())) return fallback(plan, sl, true);
    driver = sl;
  }

  const storeExists = fs.existsSync(p.absolute);
  // Asked at once, assuming the marker's directory is the root; used only when the VCS confirms that root.
  const speculative = ask(plan, driver, marker.dir, storeExists);
  const rootAnswer = await driver.root(start);
  if (isProblem(rootAnswer) && rootAnswer.problem === 'missing') return fallback(plan, driver, true);
  const root = unwrap(plan, rootAnswer, driver.name);
  if (root === null) return fallback(plan, driver, false);
  const resolvedRoot = path.resolve(root);
  await judge(plan, driver, resolvedRoot === marker.dir ? speculative : ask(plan, driver, resolvedRoot, storeExists));
  if (marker.saplingInGit) {
    // git decided; a Sapling checkout in git mode may also hold history only Sapling knows.
    const sl = saplingDriver(run);
    if (!isProblem(await sl.installed())) {
      const hit = await sl.history(resolvedRoot, toRelFrom(plan, resolvedRoot));
      if (unwrap(plan, hit, 'sapling')) throw inHistory(plan, 'sapling');
    }
  }
}

// The store safety checks (core.md §8): permission, ignored, tracked, history, in that order, failing closed.
import { type Stats, existsSync, lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { LlmAuthError, storeError } from '../lib/errors.js';
import type { Runtime } from '../lib/runtime.js';
import type { StorePath } from '../store/path.js';
import { gitIgnoredByFiles, hgIgnoredByFile } from './ignorefile.js';
import { commonDirOf, CONFIG_INCLUDE, findMarkers, realLocation, type Marker } from './discover.js';
import { planVerdicts, type Decision, type RepositoryOutcome } from './verdict-cache.js';
import {
  gitDriver,
  isProblem,
  mercurialDriver,
  saplingDriver,
  type Answer,
  type GitContext,
  type GitDriver,
  type VcsDriver,
  type VcsName,
} from './vcs.js';

/** Permission check (core.md §8.1); also refuses an existing store that is not a regular file. */
export function checkPermissions(p: StorePath, platform: NodeJS.Platform): void {
  let st: Stats;
  try {
    st = statSync(p.absolute);
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
  return relative(root, storeReal).split(sep).join('/');
}

interface CheckPlan {
  /** The store, or the file its symbolic link points to (core.md §8.10): the path messages name. */
  readonly p: StorePath;
  readonly marker: Marker;
  readonly storeReal: string;
  readonly requireIgnored: boolean;
  readonly purpose: 'add-api-key' | 'add-gateway' | 'other';
  readonly warn: (message: string) => void;
}

const toRelFrom = (plan: CheckPlan, root: string): string => toRel(root, plan.storeReal);

function notIgnored(plan: CheckPlan, vcs: VcsName, rel: string): Error {
  const { p } = plan;
  const fix = `add ${MESSAGES[vcs].pattern(rel)} to ${MESSAGES[vcs].ignorefile}`;
  if (plan.purpose === 'other') return storeError(`${p.display} is not ignored by ${vcs}; ${fix}`);
  const what = plan.purpose === 'add-api-key' ? 'API key' : 'gateway';
  return new LlmAuthError(`refusing to write ${what} surface to ${p.display}: ${p.display} is not ignored by ${vcs}`, {
    kind: 'store',
    // add-gateway has no way around it; add-api-key has, and every later read will refuse the file all the same.
    hint: plan.purpose === 'add-api-key' ? `${fix}, or pass --allow-unignored to write it anyway` : fix,
  });
}

function inHistory(plan: CheckPlan, vcs: VcsName): Error {
  return storeError(`${plan.p.display} appears in ${vcs} commit history; rotate the secrets it held and purge it from history`);
}

/** A VCS answer, or the fail-closed error (core.md §8.7). */
function unwrap<T>(plan: Pick<CheckPlan, 'p'>, answer: Answer<T>, vcs: VcsName): T {
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
function fallback(plan: CheckPlan, driver: VcsDriver, binaryMissing: boolean): undefined {
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

/** Whether every question got a yes or no (no error, no missing binary). */
async function allAnswered(q: Questions): Promise<boolean> {
  const answers = await Promise.all([q.ignored ?? false, q.tracked, q.history]);
  return answers.every((a) => !isProblem(a));
}

/**
 * Whether git's work tree root is the marker's directory without asking: a `.git` directory or gitdir file
 * whose config neither moves the work tree (`core.worktree`), nor makes it bare, nor includes other files.
 */
function rootIsMarkerDir(marker: Marker): boolean {
  if (marker.metadataDir === undefined) return false;
  for (const file of [join(commonDirOf(marker.metadataDir), 'config'), join(marker.metadataDir, 'config.worktree')]) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      return false;
    }
    if (CONFIG_INCLUDE.test(text) || /^\s*worktree\s*=|^\s*bare\s*(=\s*(true|yes|on|1)\s*)?$/im.test(text)) return false;
  }
  return true;
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
  purpose?: 'add-api-key' | 'add-gateway' | 'other';
  warn?: (message: string) => void;
}

/** The store, and the file it links to when it is a symbolic link: both are checked (core.md §8.10). */
function subjectsOf(p: StorePath): StorePath[] {
  try {
    if (!lstatSync(p.absolute).isSymbolicLink()) return [p];
    const target = realpathSync(p.absolute);
    return [p, { absolute: target, display: target }];
  } catch {
    return [p]; // missing, or a dangling link: the link's own location is all there is
  }
}

/**
 * Asks one repository about the store: ignored, not tracked, not in history (core.md §8.4-§8.7). With a
 * `history` decision of the verdict cache, only the history since the verified tips is asked. Returns what
 * the cache keeps for next time, or undefined when a check could not be made in full (a fallback).
 */
async function checkRepository(
  plan: CheckPlan,
  rt: Runtime,
  context?: GitContext,
  decision: Decision = { kind: 'full' },
): Promise<RepositoryOutcome | undefined> {
  const { marker } = plan;
  if (marker.broken !== undefined) throw storeError(`cannot check ${plan.p.display} with git: ${marker.broken}`);
  const run = rt.vcs;
  if (decision.kind === 'history') return checkHistorySince(plan, gitDriver(run, context), decision.root, decision.verified);
  let driver: VcsDriver;
  if (marker.kind === '.git') driver = gitDriver(run, context);
  else if (marker.kind === '.hg') driver = mercurialDriver(run);
  else {
    const sl = saplingDriver(run);
    if (isProblem(await sl.installed())) return fallback(plan, sl, true);
    driver = sl;
  }

  const storeExists = existsSync(plan.p.absolute);
  // Asked at once, assuming the marker's directory is the root; used only when the VCS confirms that root.
  const speculative = ask(plan, driver, marker.dir, storeExists);
  if (marker.kind === '.git' && !marker.saplingInGit && rootIsMarkerDir(marker) && (await allAnswered(speculative))) {
    // A work tree whose root nothing moves answered every question: `rev-parse --show-toplevel` would only
    // confirm the marker's directory (one process fewer on a run the verdict cache cannot spare).
    await judge(plan, driver, speculative);
    return { root: marker.dir };
  }
  const rootAnswer = await driver.root(marker.dir);
  if (isProblem(rootAnswer) && rootAnswer.problem === 'missing') return fallback(plan, driver, true);
  const root = unwrap(plan, rootAnswer, driver.name);
  if (root === null) return fallback(plan, driver, false);
  const resolvedRoot = resolve(root);
  await judge(plan, driver, resolvedRoot === marker.dir ? speculative : ask(plan, driver, resolvedRoot, storeExists));
  if (marker.saplingInGit) {
    // git decided; a Sapling checkout in git mode may also hold history only Sapling knows.
    const sl = saplingDriver(run);
    if (!isProblem(await sl.installed())) {
      const hit = await sl.history(resolvedRoot, toRelFrom(plan, resolvedRoot));
      if (unwrap(plan, hit, 'sapling')) throw inHistory(plan, 'sapling');
    }
  }
  return { root: resolvedRoot };
}

/**
 * The refs changed, nothing else did: the ignored and tracked answers stand, and only commits reachable from
 * the new tips but not from the verified ones are walked (every tip when none is verified yet). The tips walked
 * are kept, so the next change walks only what is new again.
 */
async function checkHistorySince(
  plan: CheckPlan,
  driver: GitDriver,
  root: string,
  verified: readonly string[] | undefined,
): Promise<RepositoryOutcome> {
  const tips = unwrap(plan, await driver.tips(root), 'git');
  const verifiedSet = new Set(verified ?? []);
  const since = { tips: tips.filter((t) => !verifiedSet.has(t)), verified: verified ?? [] };
  if (unwrap(plan, await driver.history(root, toRelFrom(plan, root), since), 'git')) throw inHistory(plan, 'git');
  return { root, tips };
}

/**
 * GIT_DIR (and GIT_WORK_TREE) in the environment point the user's git at a repository that no marker shows,
 * such as a dotfiles repository whose work tree is the home directory: when its work tree holds the store,
 * it is asked too (core.md §8.10). Relative values are relative to the working directory, as for git.
 */
async function checkGitEnvironment(plan: Omit<CheckPlan, 'marker'>, rt: Runtime, markers: readonly Marker[]): Promise<void> {
  const gitDir = rt.env.GIT_DIR;
  if (gitDir === undefined || gitDir === '') return;
  const env: Record<string, string> = { GIT_DIR: resolve(rt.cwd, gitDir) };
  const workTree = rt.env.GIT_WORK_TREE;
  if (workTree !== undefined && workTree !== '') env.GIT_WORK_TREE = resolve(rt.cwd, workTree);
  const context: GitContext = { env };
  const top = await gitDriver(rt.vcs, context).root(rt.cwd);
  if (isProblem(top) && top.problem === 'missing') return; // the marker walk already warned, or there is no git
  const root = unwrap(plan, top, 'git');
  if (root === null) return;
  let dir: string;
  try {
    dir = realpathSync(root);
  } catch {
    dir = resolve(root);
  }
  const rel = relative(dir, plan.storeReal);
  if (rel.startsWith('..') || isAbsolute(rel)) return;
  const marker: Marker = { dir, kind: '.git', saplingInGit: false, metadataDir: env.GIT_DIR };
  // A repository the marker walk found already was asked with the same answers.
  if (markers.some((m) => m.kind === '.git' && m.dir === dir && sameFile(m.metadataDir, env.GIT_DIR))) return;
  await checkRepository({ ...plan, marker }, rt, context);
}

function sameFile(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/**
 * The store safety checks (core.md §8, amended by §8.10): permission, then ignored, tracked and history for
 * every repository that contains the store (nearest first), for the file a symbolic link points to as well,
 * and for the repository GIT_DIR names. The first failure throws an LlmAuthError (exit 1). Missing binaries
 * fall back to the ignore files and warn; VCS errors fail closed.
 */
export async function checkStoreSafety(p: StorePath, rt: Runtime, options: SafetyOptions = {}): Promise<void> {
  checkPermissions(p, rt.platform);
  for (const subject of subjectsOf(p)) {
    const { start, storeReal } = realLocation(subject.absolute);
    const base = {
      p: subject,
      storeReal,
      requireIgnored: options.requireIgnored !== false,
      purpose: options.purpose ?? 'other',
      warn: options.warn ?? (() => undefined),
    } as const;
    const markers = findMarkers(start);
    // The cache vouches only for a full pass: not for `add-api-key --allow-unignored`.
    const cache = base.requireIgnored ? planVerdicts(rt, storeReal, markers) : undefined;
    const outcomes: Array<RepositoryOutcome | undefined> = [];
    for (const [i, marker] of markers.entries()) {
      const decision = cache?.decisions[i] ?? { kind: 'full' };
      outcomes.push(decision.kind === 'skip' ? undefined : await checkRepository({ ...base, marker }, rt, undefined, decision));
    }
    await checkGitEnvironment(base, rt, markers);
    cache?.commit(outcomes);
  }
}

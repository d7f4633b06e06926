// The one place that reads the process: its working directory, environment, clock, streams and platform.
// The CLI and the library build a Runtime here once; callers (and tests) may replace any part of it.
import { readFileSync } from 'node:fs';
import { osModule } from './lib/builtins.js';
import type { Runtime } from './lib/runtime.js';
import { createVcsRunner } from './safety/runner.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/{pid}/stat (after the parenthesised command name, which may hold spaces). */
function startTimeOf(pid: number): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

/**
 * os.homedir() without loading `os` where it would only read $HOME: libuv's uv_os_homedir takes HOME first on
 * POSIX (and the password database when HOME is unset or empty); on Windows it reads USERPROFILE.
 */
function homeDirectory(): string {
  const home = process.env.HOME;
  return process.platform !== 'win32' && home ? home : osModule().homedir();
}

const realSleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createRuntime(overrides: Partial<Runtime> = {}): Runtime {
  const env = overrides.env ?? process.env;
  let hostname: string | undefined;
  return {
    cwd: process.cwd(),
    home: homeDirectory(),
    platform: process.platform,
    arch: process.arch,
    pid: process.pid,
    // For the lock's owner record and its liveness checks only: `os` is loaded, and the name read once, when a
    // command first looks at a lock.
    get hostname() {
      return (hostname ??= osModule().hostname());
    },
    uid: process.getuid?.(),
    isAlive,
    startTimeOf,
    now: Date.now,
    sleep: realSleep,
    fetch: (input, init) => globalThis.fetch(input, init),
    // stdin is created on first use: `status` never touches it.
    get stdin() {
      return process.stdin;
    },
    // Made on first use too (a stream costs start-up milliseconds); the CLI passes its own writers.
    get stdout() {
      return process.stdout;
    },
    get stderr() {
      return process.stderr;
    },
    ...overrides,
    env,
    vcs: overrides.vcs ?? createVcsRunner(env),
  };
}

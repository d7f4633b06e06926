// What the outside world gives a command: built once by the CLI (src/cli/main.ts) or the library entry
// (src/index.ts) through src/runtime.ts, and passed down. Nothing below those entries reads `process.*`, so
// tests hand any layer a fake clock, a loopback `fetch`, captured streams or another working directory.
import type { Fetch } from './http.js';
import type { VcsRunner } from '../safety/runner.js';

export type Environment = Readonly<Record<string, string | undefined>>;

export type InputStream = NodeJS.ReadableStream & { readonly isTTY?: boolean };
export type OutputStream = NodeJS.WritableStream & { readonly isTTY?: boolean };

export interface Runtime {
  readonly cwd: string;
  /** The process environment (values shadow the store's, core.md §4.3). */
  readonly env: Environment;
  readonly home: string;
  readonly platform: NodeJS.Platform;
  readonly arch: string;
  /** This process, as the store lock records it. */
  readonly pid: number;
  readonly hostname: string;
  /** The user's id where the OS has one: files others own or may write (the verdict cache) are not trusted. */
  readonly uid?: number;
  /** Whether a process with this pid exists on this host (the lock's stale check). */
  isAlive(pid: number): boolean;
  /**
   * When the process with this pid started, in the OS's own units (Linux: clock ticks since boot), or
   * undefined where the OS does not tell. Tells a lock holder from a later process that reused its pid.
   */
  startTimeOf(pid: number): string | undefined;
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
  readonly fetch: Fetch;
  /** Runs git, hg and sl for the safety checks. */
  readonly vcs: VcsRunner;
  readonly stdin: InputStream;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
}

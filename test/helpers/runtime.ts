// A Runtime for in-process tests: a fake clock whose sleeps pass at once, captured streams, and the same
// minimal environment the subprocess tests give the CLI.
import { Readable, Writable } from 'node:stream';
import type { Runtime } from '../../src/lib/runtime.js';
import { createRuntime } from '../../src/runtime.js';

/** Virtual time: `sleep(ms)` moves it forward and resolves on the next turn of the event loop. */
export class FakeClock {
  /** Every sleep asked for, in ms, in order. */
  readonly sleeps: number[] = [];

  constructor(public ms = Date.now()) {}

  readonly now = (): number => this.ms;

  readonly sleep = (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.ms += ms;
    return new Promise((resolve) => setImmediate(resolve));
  };
}

/** A stream that keeps what is written to it. */
export class Capture extends Writable {
  text = '';
  isTTY = false;

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const piece = chunk.toString();
    this.text += piece;
    // Synchronously, so a test can act on a line (release a lock) before the command goes on.
    this.emit('data-written', piece);
    done();
  }
}

export interface TestRuntimeOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Replaces PATH (default: the test process's PATH). */
  path?: string;
  home?: string;
  clock?: FakeClock;
  fetch?: Runtime['fetch'];
  /** What the command reads on stdin (default: nothing). */
  stdin?: string;
  /** Makes stdout claim to be a terminal. */
  stdoutIsTTY?: boolean;
}

/** The environment the CLI gets in tests: PATH and HOME, plus what the test adds. */
export function testEnv(options: Pick<TestRuntimeOptions, 'cwd' | 'env' | 'path' | 'home'>): Record<string, string> {
  const env: Record<string, string> = {
    PATH: options.path ?? process.env.PATH ?? '/usr/bin:/bin',
    HOME: options.home ?? options.cwd,
  };
  for (const [k, v] of Object.entries(options.env ?? {})) if (v !== undefined) env[k] = v;
  return env;
}

export function testRuntime(options: TestRuntimeOptions): Runtime & { stdout: Capture; stderr: Capture } {
  const clock = options.clock ?? new FakeClock();
  const stdout = new Capture();
  stdout.isTTY = options.stdoutIsTTY === true;
  const stderr = new Capture();
  const rt = createRuntime({
    cwd: options.cwd,
    env: testEnv(options),
    home: options.home ?? options.cwd,
    now: clock.now,
    sleep: clock.sleep,
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    stdout,
    stderr,
    ...(options.fetch && { fetch: options.fetch }),
  });
  return { ...rt, stdout, stderr };
}

/** A pid that is certainly not running. */
export function deadPid(): number {
  for (let pid = 4_000_000; ; pid--) {
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
}

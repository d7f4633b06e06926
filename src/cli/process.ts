// The process around a command, shared by both CLI bundles (src/cli/main.ts and src/cli/status-main.ts): how
// a command's outcome becomes output and an exit code, and how the process meets signals and broken pipes.
import { v8Module } from '../lib/builtins.js';
import { LlmAuthError } from '../lib/errors.js';
import { exitSignal, runAsyncInterruptCleanups, runInterruptCleanups, signalTaken } from '../lib/interrupt.js';
import type { Runtime } from '../lib/runtime.js';
import type { Invocation } from './context.js';
import { asOutputStream, FdWriter } from './fd-writer.js';

/**
 * Runs a parsed command: its results are flushed when it succeeds; when it fails, they are discarded and the
 * error is one `error:` line (and a hint), never a stack trace.
 */
export async function runCommand(run: (inv: Invocation) => Promise<number>, inv: Invocation): Promise<number> {
  const { output } = inv;
  try {
    const code = await run(inv);
    output.flush();
    return code;
  } catch (err) {
    output.discard();
    if (err instanceof LlmAuthError) {
      output.error(err.message);
      if (err.hint) output.hint(err.hint);
      return err.exitCode;
    }
    // Never a stack trace: an unexpected error is reported by its code or name only.
    const code = (err as { code?: unknown } | null)?.code;
    output.error(`unexpected failure${typeof code === 'string' ? ` (${code})` : ''}`);
    return 1;
  }
}

let liftoff = false;

/**
 * fetch parses HTTP with a WebAssembly module; V8 optimises it on a background thread that the process then
 * waits for at exit, about 250 ms after the last answer. The baseline compiler is plenty for a few requests.
 * The flag is set before the first request (node:v8 costs start-up 5 ms, and most runs send none).
 */
const firstFetchPrepared: typeof fetch = (input, init) => {
  if (!liftoff) {
    liftoff = true;
    v8Module().setFlagsFromString('--liftoff-only');
  }
  return globalThis.fetch(input, init);
};

/** What a bundle runs: argv (without node and script) to an exit code, never throwing. */
export type Entry = (argv: readonly string[], overrides: Partial<Runtime>) => Promise<number>;

/**
 * The process around an entry (bin/llm-auth, through dist/cli.cjs or dist/status.cjs): signals, the fd
 * writers, no stack trace ever, and the exit. Sets process.exitCode so that piped output drains.
 */
export async function runProcess(entry: Entry): Promise<void> {
  // Ctrl-C, `kill`, a closed terminal: the write in progress is undone, the lock released, exit 128 + n.
  let interrupted = false;
  for (const [signal, number] of [
    ['SIGINT', 2],
    ['SIGTERM', 15],
    ['SIGHUP', 1],
  ] as const) {
    process.on(signal, () => {
      // `exec` passes it to its child and waits for the child's end instead.
      if (signalTaken(signal)) return;
      const leave = (): never => {
        process.stderr.write('error: interrupted\n');
        process.exit(128 + number);
      };
      // A second signal while cleaning up: leave at once.
      if (interrupted) leave();
      interrupted = true;
      runInterruptCleanups();
      // Cleanups that need the lock (a login taking back its cooldown stamp) get two seconds.
      void runAsyncInterruptCleanups(2000).finally(leave);
    });
  }
  // A reader that went away (`llm-auth status | head -1`) is not our failure.
  const brokenPipe = (): never => process.exit(process.exitCode ?? 0);
  const stdout = new FdWriter(
    1,
    () => process.stdout.on('error', (err: NodeJS.ErrnoException) => err.code === 'EPIPE' && brokenPipe()),
    brokenPipe,
  );
  const stderr = new FdWriter(
    2,
    () => process.stderr,
    () => undefined,
  );
  // Never a stack trace, even from a bug: one line, the error's code at most, and the cleanups.
  const fatal = (err: unknown): void => {
    runInterruptCleanups();
    const code = (err as { code?: unknown } | null)?.code;
    process.stderr.write(`error: unexpected failure${typeof code === 'string' ? ` (${code})` : ''}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  const code = await entry(process.argv.slice(2), {
    stdout: asOutputStream(stdout),
    stderr: asOutputStream(stderr),
    fetch: firstFetchPrepared,
  });
  process.exitCode = code;
  // Our output is out before we leave, however we leave.
  await Promise.all([stdout.drained(), stderr.drained()]);
  const signal = exitSignal.value;
  if (signal !== undefined) {
    // The child died of a signal: so do we, with the default handler back (commands.md §5.5).
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  // Work a deadline cut short (a request, a lock wait) must not hold the process.
  process.exit(code);
}

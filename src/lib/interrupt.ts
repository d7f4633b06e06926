// Work that must be undone if the process is interrupted (Ctrl-C): temporary files, held locks, a spinner.
// The CLI's SIGINT handler runs these synchronously before it prints `error: interrupted` and exits 130.

const cleanups = new Set<() => void>();

/** Registers a synchronous cleanup; returns the function that unregisters it. */
export function onInterrupt(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

export function runInterruptCleanups(): void {
  for (const cleanup of [...cleanups]) {
    try {
      cleanup();
    } catch {
      // best effort: the next writer removes leftovers too
    }
  }
  cleanups.clear();
}

/** While a child runs, the signals the CLI would die of are passed to it instead (commands.md §5.5). */
let signalOverride: ((signal: NodeJS.Signals) => void) | undefined;

export function overrideSignals(handler: ((signal: NodeJS.Signals) => void) | undefined): void {
  signalOverride = handler;
}

/** Called by the CLI's signal handlers first: true when a child took the signal. */
export function signalTaken(signal: NodeJS.Signals): boolean {
  if (!signalOverride) return false;
  signalOverride(signal);
  return true;
}

/** A child killed by this signal: the CLI re-raises it on itself once its output is flushed. */
export const exitSignal: { value: NodeJS.Signals | undefined } = { value: undefined };

const asyncCleanups = new Set<() => Promise<void>>();

/** Registers a cleanup that needs the event loop (it takes the store lock); run after the synchronous ones. */
export function onInterruptAsync(cleanup: () => Promise<void>): () => void {
  asyncCleanups.add(cleanup);
  return () => asyncCleanups.delete(cleanup);
}

/** Runs the asynchronous cleanups, giving up on them after `limitMs`. */
export async function runAsyncInterruptCleanups(limitMs: number): Promise<void> {
  const pending = [...asyncCleanups].map((c) => c().catch(() => undefined));
  asyncCleanups.clear();
  if (pending.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(pending), new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)))]);
  clearTimeout(timer);
}

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

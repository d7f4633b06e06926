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

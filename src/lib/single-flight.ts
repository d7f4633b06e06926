// One piece of work at a time per key within this process: callers that come while it runs share its promise.
// (Across processes, the store lock does the same.)

export interface SingleFlight<T> {
  run(key: string, work: () => Promise<T>): Promise<T>;
}

export function singleFlight<T>(): SingleFlight<T> {
  const running = new Map<string, Promise<T>>();
  return {
    run(key, work) {
      const current = running.get(key);
      if (current) return current;
      const promise = work().finally(() => running.delete(key));
      running.set(key, promise);
      return promise;
    },
  };
}

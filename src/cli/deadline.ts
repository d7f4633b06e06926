// `--timeout SECONDS` of token, env and exec (commands.md §1.6): one deadline for the whole preparation, lock
// wait and network included. When it passes, requests in flight are aborted and the command fails.
import { LlmAuthError } from '../lib/errors.js';
import { toTimerMs } from '../lib/numbers.js';

export async function withDeadline<T>(seconds: number, label: string, prepare: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new LlmAuthError(`timed out after ${label}s`, { kind: 'transient' }));
    }, toTimerMs(seconds));
  });
  try {
    return await Promise.race([prepare(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

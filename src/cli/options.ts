// Option values shared by several commands.
import { usageError } from '../lib/errors.js';
import { positiveSeconds } from '../lib/numbers.js';
import { repr } from '../lib/python.js';

/** `--timeout SECONDS`: a positive finite number as Python's float() reads it, else a usage error (core.md §1.2). */
export function timeoutSeconds(value: string | undefined, fallback: string): { seconds: number; label: string } {
  const label = value ?? fallback;
  const seconds = positiveSeconds(label);
  if (seconds === undefined) throw usageError(`--timeout must be a positive number of seconds, got ${repr(label)}`);
  return { seconds, label };
}

// `env [surface...]` (commands.md §3): the variables to export, in the shell's own syntax.
import { usageError } from '../../lib/errors.js';
import { repr } from '../../lib/python.js';
import { openStoreFor, type Invocation } from '../context.js';
import { withDeadline } from '../deadline.js';
import { planExports } from '../exports.js';
import { FORMATS, renderExports, type Format } from '../formats.js';
import { timeoutSeconds } from '../options.js';
import type { HandOnOptions } from './token.js';

export async function envCommand(
  inv: Invocation,
  names: string[],
  options: HandOnOptions & { format?: string },
): Promise<number> {
  const format = options.format ?? 'sh';
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw usageError(`unknown format ${repr(format)}; expected ${FORMATS.join(', ')}`);
  }
  const { seconds, label } = timeoutSeconds(options.timeout, '20');
  const store = await openStoreFor(inv, 'always');
  const warn = (m: string): void => inv.output.warn(m);
  const prepare = planExports(store, names, 'env', warn);
  const exports = await withDeadline(seconds, label, (signal) => prepare({ renew: options.renew !== false, signal, warn }));
  if (exports.chatgpt) {
    warn(`exporting CHATGPT_AUTH_JSON into a shell shadows ${store.path.display} after the next refresh; prefer llm-auth exec`);
  }
  inv.output.handOver(renderExports(format as Format, exports.set, exports.unset));
  return 0;
}

// `token <surface>` (commands.md §2): the fresh secret and one newline on stdout, nothing else. Never
// prompts, never reads stdin, never opens a browser: what Claude Code's apiKeyHelper and Codex's auth command run.
import { usageError } from '../../lib/errors.js';
import { isChatgptSurface } from '../../store/index.js';
import { freshSecret } from '../../surfaces/fresh.js';
import { openStoreFor, type Invocation } from '../context.js';
import { withDeadline } from '../deadline.js';
import { timeoutSeconds } from '../options.js';
import { selectOne } from '../../store/select.js';

export interface HandOnOptions {
  /** commander's `--no-renew` */
  renew?: boolean;
  timeout?: string;
}

export async function tokenCommand(inv: Invocation, name: string, options: HandOnOptions & { auth?: string }): Promise<number> {
  const { seconds, label } = timeoutSeconds(options.timeout, '20');
  const store = await openStoreFor(inv, 'always');
  const surface = selectOne(store, name, options.auth);
  if (surface.auth !== 'api-key' && surface.auth !== 'gateway-key' && !isChatgptSurface(surface)) {
    throw usageError(`token does not support auth mode '${surface.auth}'`);
  }
  const fresh = await withDeadline(seconds, label, (signal) =>
    freshSecret(surface, store, { renew: options.renew !== false, signal, warn: (m) => inv.output.warn(m) }),
  );
  inv.output.handOver(`${fresh.secret}\n`);
  return 0;
}

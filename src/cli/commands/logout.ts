// `logout <surface>` (commands.md §6): local only. Empties what a sign-in stored, under the lock, after a
// re-read, in one atomic write; every line it does not name keeps its bytes.
import { LlmAuthError, usageError } from '../../lib/errors.js';
import { pyTrim, repr } from '../../lib/python.js';
import { isChatgptSurface, type Store, type Surface } from '../../store/index.js';
import { sessionEnvOf } from '../../surfaces/gateway/config.js';
import { openStoreFor, type Invocation } from '../context.js';
import { selectOne } from '../../store/select.js';

const filled = (value: string | undefined): boolean => pyTrim(value ?? '') !== '';

/** Removes the ChatGPT record: the managed block, else the value in the hand-written envelope that holds it. */
async function logoutChatgpt(store: Store, surface: Surface): Promise<string[]> {
  return store.withLock((locked) => {
    if (!filled(locked.read().value('CHATGPT_AUTH_JSON'))) return [];
    if (locked.removeChatgptBlock()) return ['CHATGPT_AUTH_JSON'];
    if (surface.line === 0) {
      throw new LlmAuthError(`CHATGPT_AUTH_JSON is not inside an envelope of ${store.path.display}; remove it by hand`);
    }
    locked.setVariable(surface, 'CHATGPT_AUTH_JSON', '');
    return ['CHATGPT_AUTH_JSON'];
  });
}

/** Empties the key and the session (names kept) and drops the bookkeeping. */
async function logoutGateway(store: Store, surface: Surface): Promise<string[]> {
  const env = surface.primaryEnv;
  const sessionEnv = sessionEnvOf(surface);
  return store.withLock((locked) => {
    const snapshot = locked.read();
    const names = [env, sessionEnv].filter((n): n is string => n !== undefined && n !== '');
    const removed = names.filter((n) => filled(snapshot.value(n)));
    const current = snapshot.surfaces.find((s) => s.name === surface.name && s.auth === surface.auth);
    const bookkeeping = current?.metadata.renewed_at !== undefined || current?.metadata.expires_at !== undefined;
    const nonEmpty = names.filter((n) => snapshot.value(n) !== undefined && snapshot.value(n) !== '');
    if (nonEmpty.length === 0 && !bookkeeping) return removed;
    locked.updateEnvelope(surface, {
      variables: nonEmpty.map((n) => [n, ''] as const),
      metadata: [
        ['renewed_at', undefined],
        ['expires_at', undefined],
      ],
    });
    return removed;
  });
}

export async function logoutCommand(inv: Invocation, name: string, options: { auth?: string }): Promise<number> {
  const store = await openStoreFor(inv, 'always');
  const surface = selectOne(store, name, options.auth);
  let removed: string[];
  if (isChatgptSurface(surface)) removed = await logoutChatgpt(store, surface);
  else if (surface.auth === 'gateway-key') removed = await logoutGateway(store, surface);
  else if (surface.auth === 'api-key') {
    throw usageError(
      `logout does not apply to api-key surface ${repr(surface.name)}; edit ${store.path.display} to remove ${surface.primaryEnv ?? 'its key'}`,
    );
  } else throw usageError(`surface ${repr(surface.name)} does not support logout`);
  for (const n of removed) if (store.fromEnvironment(n)) inv.output.warn(`${n} is still set in the environment`);
  inv.output.result(removed.length > 0 ? 'ok: removed' : 'ok: nothing to remove');
  return 0;
}

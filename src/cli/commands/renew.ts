// `renew [surface]` (core.md §12.2, chatgpt-oauth.md §7): one `{name}.renew: pass|fail` line per surface.
import { LlmAuthError } from '../../lib/errors.js';
import { pyTrim } from '../../lib/python.js';
import { DEFAULT_CHATGPT_SURFACE, metadataFlag, type Store, type Surface } from '../../store/index.js';
import { driverFor, preflight } from '../../surfaces/index.js';
import { openStoreFor, type Invocation } from '../context.js';

/** Every surface with renew=true, or the named ones; `chatgpt` names the record even without an envelope. */
export function renewSurfaces(store: Store, name: string | undefined): Surface[] {
  if (name === undefined) {
    const renewable = store.surfaces.filter((s) => metadataFlag(s, 'renew'));
    if (renewable.length === 0) throw new LlmAuthError('no renewable auth surfaces found');
    return renewable;
  }
  // An empty value is no record; an invalid one fails in the driver's preflight (core.md §12.3).
  return store.select(name, (n) =>
    n === 'chatgpt' && pyTrim(store.value('CHATGPT_AUTH_JSON') ?? '') !== '' ? DEFAULT_CHATGPT_SURFACE : undefined,
  );
}

export async function renewCommand(inv: Invocation, name: string | undefined, options: { force?: boolean }): Promise<number> {
  const store = await openStoreFor(inv, 'always');
  const selected = renewSurfaces(store, name);
  preflight(selected, store, { writes: true });
  let allPassed = true;
  for (const surface of selected) {
    const result = await driverFor(surface).renew(surface, store, { force: options.force === true });
    allPassed &&= result.pass;
    inv.output.result(
      `${surface.name}.renew: ${result.pass ? 'pass' : 'fail'}${result.detail !== '' ? ` - ${result.detail}` : ''}`,
    );
  }
  return allPassed ? 0 : 1;
}

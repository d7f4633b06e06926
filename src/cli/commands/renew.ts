// `renew [surface]` (core.md §12.2, chatgpt-oauth.md §7): one `{name}.renew: pass|fail` line per surface.
import { LlmAuthError } from '../../lib/errors.js';
import { pyTrim } from '../../lib/text.js';
import { DEFAULT_CHATGPT_SURFACE, isChatgptSurface, metadataFlag, type Surface } from '../../store/envelope.js';
import type { LoadedStore } from '../../store/store.js';
import { parseRecord } from '../../surfaces/chatgpt/record.js';
import { driverFor } from '../../surfaces/index.js';
import { driverContext, openStoreForCommand, runSafetyChecks, storePath, warnIfShadowed, type CommandContext } from '../context.js';
import { unknownSurface } from '../../surfaces/status.js';

export function renewSurfaces(store: LoadedStore, name: string | undefined): Surface[] {
  if (name === undefined) {
    const renewable = store.surfaces.filter((s) => metadataFlag(s, 'renew'));
    if (renewable.length === 0) throw new LlmAuthError('no renewable auth surfaces found');
    return renewable;
  }
  const named = store.surfaces.filter((s) => s.name === name);
  if (named.length > 0) return named;
  if (name === 'chatgpt') {
    const value = store.value('CHATGPT_AUTH_JSON');
    // parseRecord fails on invalid JSON or a non-object (core.md §12.3); an empty value is no record.
    if (pyTrim(value ?? '') !== '') {
      parseRecord(value);
      return [DEFAULT_CHATGPT_SURFACE];
    }
  }
  throw unknownSurface(name, store.surfaces);
}

export async function renewCommand(ctx: CommandContext, name: string | undefined, options: { force?: boolean }): Promise<number> {
  const p = storePath(ctx);
  await runSafetyChecks(ctx, p);
  const store = openStoreForCommand(ctx, p);
  const selected = renewSurfaces(store, name);
  if (selected.some(isChatgptSurface)) {
    parseRecord(store.value('CHATGPT_AUTH_JSON'));
    warnIfShadowed(ctx, store);
  }
  const dctx = driverContext(ctx, store);
  let allPassed = true;
  for (const surface of selected) {
    const result = await driverFor(surface).renew(surface, dctx, { force: options.force === true });
    allPassed &&= result.pass;
    ctx.output.result(`${surface.name}.renew: ${result.pass ? 'pass' : 'fail'}${result.detail !== '' ? ` - ${result.detail}` : ''}`);
  }
  return allPassed ? 0 : 1;
}

// What `env` and `exec` hand on (commands.md §3.1-§3.3, §5.2): the selected surfaces, the variables each
// sets and unsets, conflicts checked before any request, then every secret made fresh.
import { LlmAuthError, usageError } from '../lib/errors.js';
import { pyTrim, repr } from '../lib/python.js';
import { isChatgptSurface, type Store, type Surface } from '../store/index.js';
import { serializeRecord } from '../surfaces/chatgpt/record.js';
import { freshSecret } from '../surfaces/fresh.js';
import { clientVariableNames, clientVariables } from '../surfaces/gateway/clients.js';
import { readConfig } from '../surfaces/gateway/config.js';
import { implicitChatgpt } from '../store/select.js';

export interface Exports {
  readonly set: Map<string, string>;
  readonly unset: Set<string>;
  /** Whether CHATGPT_AUTH_JSON is among them (env warns: an exported copy shadows the store). */
  readonly chatgpt: boolean;
}

/** Named surfaces (every envelope of each name), or every api-key and gateway-key envelope. */
function selectForExport(
  store: Store,
  names: readonly string[],
  command: 'env' | 'exec',
): { surface: Surface; named: boolean }[] {
  if (names.length === 0) {
    if (store.surfaces.length === 0) throw new LlmAuthError(`no auth surfaces found in ${store.path.display}`);
    return store.surfaces
      .filter((s) => s.auth === 'api-key' || s.auth === 'gateway-key')
      .map((surface) => ({ surface, named: false }));
  }
  const chosen: Surface[] = [];
  for (const name of new Set(names))
    for (const s of store.select(name, implicitChatgpt(store))) if (!chosen.includes(s)) chosen.push(s);
  for (const s of chosen) {
    if (s.auth !== 'api-key' && s.auth !== 'gateway-key' && !isChatgptSurface(s)) {
      throw usageError(`${command} does not support auth mode ${repr(s.auth)}`);
    }
  }
  return chosen.map((surface) => ({ surface, named: true }));
}

/** The names a surface will set, before any request; undefined when it is skipped (with a warning). */
function plannedNames(store: Store, surface: Surface, named: boolean, warn: (m: string) => void): string[] | undefined {
  if (surface.auth === 'api-key') {
    const primary = surface.primaryEnv;
    if (primary === undefined || pyTrim(store.value(primary) ?? '') === '') {
      const env = primary ?? '<ENV_VAR>';
      if (named) throw new LlmAuthError(primary === undefined ? 'metadata is missing env=<ENV_VAR>' : `${env} is missing`);
      warn(`${env} is missing; surface '${surface.name}' not exported`);
      return undefined;
    }
    return surface.envKeys.filter((k) => pyTrim(store.value(k) ?? '') !== '');
  }
  if (surface.auth === 'gateway-key') {
    const read = readConfig(surface);
    if (!read.ok) throw new LlmAuthError(read.text);
    const c = read.config;
    const session = c.sessionCommand !== undefined || pyTrim(store.value(c.sessionEnv) ?? '') !== '';
    if (!named && pyTrim(store.value(c.env) ?? '') === '' && !session) {
      warn(`surface '${surface.name}' has no key and no portal session; run \`llm-auth login ${surface.name}\``);
      return undefined;
    }
    return clientVariableNames(c);
  }
  return ['CHATGPT_AUTH_JSON'];
}

export interface PrepareOptions {
  readonly renew: boolean;
  readonly signal: AbortSignal;
  readonly warn: (message: string) => void;
}

/** Plans and checks conflicts (exit 2, no request), then makes each secret fresh and collects the exports. */
export function planExports(store: Store, names: readonly string[], command: 'env' | 'exec', warn: (m: string) => void) {
  const planned: Array<{ surface: Surface; names: string[] }> = [];
  const owner = new Map<string, Surface>();
  for (const { surface, named } of selectForExport(store, names, command)) {
    const vars = plannedNames(store, surface, named, warn);
    if (vars === undefined) continue;
    for (const v of vars) {
      const other = owner.get(v);
      if (other && other !== surface)
        throw usageError(`surfaces ${repr(other.name)} and ${repr(surface.name)} both set ${v}; choose one`);
      owner.set(v, surface);
    }
    planned.push({ surface, names: vars });
  }
  return async (options: PrepareOptions): Promise<Exports> => {
    const set = new Map<string, string>();
    const unset = new Set<string>();
    let chatgpt = false;
    for (const { surface, names: vars } of planned) {
      const fresh = await freshSecret(surface, store, options);
      if (fresh.auth === 'api-key') {
        // The primary first, as the table says; the order of set lines is by name in the end anyway.
        set.set(fresh.env, store.value(fresh.env)!);
        for (const v of vars) if (!set.has(v)) set.set(v, store.value(v)!);
      } else if (fresh.auth === 'gateway-key') {
        const client = clientVariables(fresh.config, fresh.secret);
        for (const [k, v] of client.set) set.set(k, v);
        for (const k of client.unset) unset.add(k);
      } else {
        set.set('CHATGPT_AUTH_JSON', serializeRecord(fresh.record));
        chatgpt = true;
      }
    }
    for (const k of set.keys()) unset.delete(k);
    return { set, unset, chatgpt };
  };
}

// Selecting surfaces for the commands that hand credentials on (commands.md §1.5).
import { usageError } from '../lib/errors.js';
import { parseJson } from '../lib/http.js';
import { pyTrim, repr } from '../lib/python.js';
import { DEFAULT_CHATGPT_SURFACE, type Store, type Surface } from './index.js';

export const AUTH_MODES = ['api-key', 'subscription-oauth', 'gateway-key'] as const;

/** `chatgpt` without an envelope names the built-in surface when CHATGPT_AUTH_JSON holds a JSON object. */
export function implicitChatgpt(store: Store): (name: string) => Surface | undefined {
  return (name) => {
    if (name !== 'chatgpt') return undefined;
    const parsed = parseJson(pyTrim(store.value('CHATGPT_AUTH_JSON') ?? ''));
    const isObject = parsed.ok && parsed.value !== null && typeof parsed.value === 'object' && !Array.isArray(parsed.value);
    return isObject ? DEFAULT_CHATGPT_SURFACE : undefined;
  };
}

/** The one envelope `token` and `logout` work on: `--auth` chooses among several modes of one name. */
export function selectOne(store: Store, name: string, auth: string | undefined): Surface {
  if (auth !== undefined && !(AUTH_MODES as readonly string[]).includes(auth)) {
    throw usageError(`--auth must be one of ${AUTH_MODES.join(', ')}, got ${repr(auth)}`);
  }
  const named = store.select(name, implicitChatgpt(store));
  if (auth !== undefined) {
    const match = named.find((s) => s.auth === auth);
    if (!match) throw usageError(`surface ${repr(name)} has no ${auth} envelope`);
    return match;
  }
  const modes = [...new Set(named.map((s) => s.auth))];
  if (modes.length > 1) {
    throw usageError(`surface ${repr(name)} has several auth modes (${modes.join(', ')}); choose one with --auth`);
  }
  return named[0]!;
}

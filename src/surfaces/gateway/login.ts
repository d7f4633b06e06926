// `login` for a gateway surface (gateway.md §7): a session token from stdin, `session_command` or a hidden
// prompt, checked for shape and at the portal, then stored (with the portal's key when it differs).
import { LlmAuthError } from '../../lib/errors.js';
import { pyTrim } from '../../lib/python.js';
import type { Store, Surface } from '../../store/index.js';
import { readConfig, type GatewayConfig } from './config.js';
import { answerJson, answerMessage, failureReason, portalRequest, portalUrl, sessionRejected } from './protocol.js';
import { exchangeFor, REQUEST_TIMEOUT_MS } from './renew.js';
import { portalKey } from './schemas.js';
import { runSessionCommandWithin } from './session.js';

/** Where the token comes from; the CLI decides by its options and streams (§7 step 1). */
export interface TokenSources {
  /** `--with-token`: stdin to EOF. */
  readonly withToken: boolean;
  readonly readStdin: () => Promise<string>;
  /** At a terminal: shows the instructions, may open the browser, reads the hidden prompt; else undefined. */
  readonly prompt: ((config: GatewayConfig) => Promise<string>) | undefined;
}

const fail = (message: string): LlmAuthError => new LlmAuthError(message);

/** The config, or `error: {§2.3 text}` (exit 1). */
export function gatewayConfig(surface: Surface): GatewayConfig {
  const read = readConfig(surface);
  if (!read.ok) throw fail(read.text);
  return read.config;
}

/** §7 step 2. */
export function checkTokenShape(token: string): void {
  if (token === '') throw fail('no session token received');
  if (/\s/.test(token)) throw fail('the session token must be a single line without spaces');
  if (token.startsWith('sk-')) throw fail('that looks like an API key, not a portal session token');
}

async function obtainToken(
  store: Store,
  config: GatewayConfig,
  sources: TokenSources,
  limitMs: number,
  label: string,
): Promise<string> {
  if (sources.withToken) return (await sources.readStdin()).trim();
  if (config.sessionCommand !== undefined) {
    const outcome = await runSessionCommandWithin(store.rt, config.sessionCommand, limitMs, label);
    if (!outcome.ok) throw fail(outcome.text);
    return outcome.token;
  }
  if (sources.prompt) return (await sources.prompt(config)).trim();
  throw fail(`login for gateway surface '${config.name}' needs a terminal; pipe the session token with --with-token`);
}

/** Runs the login; resolves when the session (and a differing portal key) is stored. */
export async function loginGateway(store: Store, surface: Surface, sources: TokenSources, timeoutSeconds: number): Promise<void> {
  const config = gatewayConfig(surface);
  const limitMs = Math.min(REQUEST_TIMEOUT_MS, Math.ceil(timeoutSeconds * 1000));
  const label = limitMs === REQUEST_TIMEOUT_MS ? '30' : String(timeoutSeconds);
  const token = await obtainToken(store, config, sources, limitMs, label);
  const secrets = new Set([token]);
  checkTokenShape(token);

  const x = exchangeFor(store, secrets, limitMs, label);
  const result = await portalRequest(x, config, 'GET', token);
  if (!result.ok) throw fail(`could not reach ${portalUrl(config)}: ${failureReason(result)}`);
  if (sessionRejected(result)) throw fail(`the portal rejected the session token (HTTP ${result.status})`);
  if (result.status === 403) throw fail(`the portal refused the request (HTTP 403): ${answerMessage(result, x.secrets())}`);
  if (result.status !== 200 && result.status !== 404) {
    throw fail(`the portal answered HTTP ${result.status}: ${answerMessage(result, x.secrets())}`);
  }
  const held = result.status === 200 ? portalKey(answerJson(result)) : undefined;

  await store.withLock((locked) => {
    const stored = pyTrim(locked.read().value(config.env) ?? '');
    // The portal holds one live key: a different stored one is stale, and so is its bookkeeping.
    const replaceKey = held !== undefined && held !== stored;
    locked.updateEnvelope(surface, {
      variables: [[config.sessionEnv, token], ...(replaceKey ? [[config.env, held] as const] : [])],
      metadata: replaceKey
        ? [
            ['renewed_at', undefined],
            ['expires_at', undefined],
          ]
        : [],
    });
  });
}

// `add-gateway <surface> --portal URL --api-base URL` (gateway.md §6): validates, checks the store (an
// unignored one is refused: there is no --allow-unignored), appends the envelope under the lock.
import { LlmAuthError } from '../../lib/errors.js';
import { containsLineSeparator } from '../../lib/python.js';
import type { NewEnvelope } from '../../store/index.js';
import {
  DEFAULT_CLIENTS,
  DEFAULT_KEY_PATH,
  defaultKeyEnv,
  defaultSessionEnv,
  ENV_NAME,
  parseClients,
  reservedGatewayName,
  urlProblem,
} from '../../surfaces/gateway/config.js';
import { stripSlash } from '../../lib/url.js';
import { openStoreFor, type Invocation } from '../context.js';

export interface AddGatewayOptions {
  portal: string;
  apiBase: string;
  env?: string;
  sessionEnv?: string;
  keyPath?: string;
  clients?: string;
  sessionCommand?: string;
}

const SURFACE_NAME = /^[A-Za-z0-9_.-]+$/;
const fail = (message: string): LlmAuthError => new LlmAuthError(message);

/** The envelope of §2.1, with the options' values (already validated). */
export function gatewayEnvelope(
  surface: string,
  v: {
    portal: string;
    keyPath: string;
    apiBase: string;
    env: string;
    sessionEnv: string;
    clients: string;
    sessionCommand?: string;
  },
): NewEnvelope {
  const metadata: Array<[string, string]> = [
    ['surface', surface],
    ['auth', 'gateway-key'],
    ['portal', v.portal],
    ['key_path', v.keyPath],
    ['api_base', v.apiBase],
    ['env', v.env],
    ['session_env', v.sessionEnv],
  ];
  if (v.sessionCommand !== undefined) metadata.push(['session_command', v.sessionCommand]);
  metadata.push(['clients', v.clients], ['renew', 'true']);
  return {
    name: surface,
    auth: 'gateway-key',
    metadata,
    assignments: [
      [v.env, undefined],
      [v.sessionEnv, undefined],
    ],
  };
}

export async function addGatewayCommand(inv: Invocation, surface: string, options: AddGatewayOptions): Promise<number> {
  // A malformed store fails first, as for add-api-key (core.md §1.5).
  const store = await openStoreFor(inv, 'none');
  if (!SURFACE_NAME.test(surface)) throw fail('surface must contain only letters, digits, dot, underscore, or dash');
  const portal = stripSlash(options.portal);
  const apiBase = stripSlash(options.apiBase);
  const env = options.env || defaultKeyEnv(surface);
  const sessionEnv = options.sessionEnv || defaultSessionEnv(surface);
  const keyPath = options.keyPath ?? DEFAULT_KEY_PATH;
  const clientList = options.clients ?? DEFAULT_CLIENTS;
  for (const problem of [urlProblem('portal', portal), urlProblem('api_base', apiBase)]) if (problem) throw fail(problem);
  for (const name of [env, sessionEnv]) {
    if (!ENV_NAME.test(name)) throw fail('env var name must be uppercase and contain only letters, digits, and underscore');
  }
  if (env === sessionEnv) throw fail('--session-env must differ from --env');
  for (const name of [env, sessionEnv]) {
    const reserved = reservedGatewayName(name, 'LLM_GATEWAY_API_KEY');
    if (reserved) throw fail(reserved);
  }
  const clients = parseClients(clientList);
  if (!clients.ok) throw fail(clients.text);
  if (!keyPath.startsWith('/') || /\s/.test(keyPath)) throw fail('key_path must start with /');
  // Metadata must not be able to create lines in the store (core.md §15).
  if (
    options.sessionCommand !== undefined &&
    (options.sessionCommand.trim() === '' || containsLineSeparator(options.sessionCommand))
  ) {
    throw fail('session_command must be a single line');
  }
  await store.checkSafety({ requireIgnored: true, purpose: 'add-gateway' });
  await store.appendEnvelope(
    gatewayEnvelope(surface, {
      portal,
      keyPath,
      apiBase,
      env,
      sessionEnv,
      clients: clients.clients.join(','),
      ...(options.sessionCommand !== undefined && { sessionCommand: options.sessionCommand.trim() }),
    }),
  );
  inv.output.result(`added ${surface} gateway-key surface using ${env}; next: llm-auth login ${surface}`);
  return 0;
}

// `add-api-key <surface> <provider>` (core.md §9): validates, checks the store, appends an envelope under the lock.
import { LlmAuthError, usageError } from '../../lib/errors.js';
import { looksLikeSecret } from '../../lib/secret-shape.js';
import { containsLineSeparator, pyTrim, repr } from '../../lib/python.js';
import type { NewEnvelope, Store } from '../../store/index.js';
import { reservedVariable } from '../../store/reserved.js';
import { urlProblem } from '../../surfaces/gateway/config.js';
import { openStoreFor, type Invocation } from '../context.js';
import { readAll, readHidden } from '../prompt.js';

export interface AddApiKeyOptions {
  env?: string;
  model?: string;
  apiBase?: string;
  key?: string;
  allowUnignored?: boolean;
}

const SURFACE_NAME = /^[A-Za-z0-9_.-]+$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** `{provider}_{surface}_api_key`, reduced to a valid variable name (core.md §9.1). */
export function defaultEnvName(surface: string, provider: string): string {
  let name = `${provider}_${surface}_api_key`
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
  if (/^[0-9]/.test(name)) name = `LLM_${name}`;
  return name;
}

const fail = (message: string): LlmAuthError => new LlmAuthError(message);

/** The envelope of core.md §9.3. */
export function apiKeyEnvelope(surface: string, provider: string, envName: string, options: AddApiKeyOptions): NewEnvelope {
  const metadata: Array<[string, string]> = [
    ['surface', surface],
    ['provider', provider],
    ['auth', 'api-key'],
    ['env', envName],
  ];
  if (options.model) metadata.push(['model', options.model]);
  if (options.apiBase) metadata.push(['api_base', options.apiBase]);
  return {
    name: surface,
    auth: 'api-key',
    metadata,
    assignments: [[envName, options.key]],
    // A key already assigned outside the envelopes is moved in (dotenv would read an empty `KEY=` after it).
    existing: options.key === undefined ? 'adopt' : 'refuse',
  };
}

/** After `--allow-unignored`: every later command will refuse the file until it is ignored; say how to fix it. */
async function warnIfUnignored(inv: Invocation, store: Store): Promise<void> {
  try {
    await store.checkSafety({ requireIgnored: true });
  } catch (err) {
    if (err instanceof LlmAuthError && err.message.includes(' is not ignored by ')) {
      inv.output.warn(`${err.message}; until then status, test, renew and login refuse it`);
    } else throw err;
  }
}

/** One line from stdin, or from a hidden prompt when a person is at the terminal. */
async function keyFromStdin(inv: Invocation): Promise<string> {
  const { rt } = inv;
  const raw =
    rt.stdin.isTTY === true && rt.stderr.isTTY === true
      ? await readHidden(rt.stdin, rt.stderr, 'Paste the API key (input is hidden): ')
      : await readAll(rt.stdin);
  const lines = raw.replace(/\r?\n$/, '').split(/\r?\n/);
  if (lines.length > 1) throw fail('--key - reads one line, and stdin had more');
  const key = pyTrim(lines[0] ?? '');
  if (key === '') throw fail('no key received on stdin');
  return key;
}

export async function addApiKeyCommand(
  inv: Invocation,
  surface: string,
  providerTyped: string,
  options: AddApiKeyOptions,
): Promise<number> {
  // Steps 1-4 of core.md §1.5: a malformed store fails first, even here.
  const store = await openStoreFor(inv, 'none');
  // A key typed where a name belongs (arguments swapped) would become a surface name and a variable name.
  for (const [label, word] of [
    ['surface name', surface],
    ['provider', providerTyped],
  ] as const) {
    if (looksLikeSecret(word)) {
      throw usageError(
        `the ${label} looks like an API key, not shown; usage: llm-auth add-api-key <surface> <provider> --key -  (the key comes last, on stdin)`,
      );
    }
  }
  if (!SURFACE_NAME.test(surface)) throw fail('surface must contain only letters, digits, dot, underscore, or dash');
  const envName = options.env ? options.env : defaultEnvName(surface, providerTyped);
  if (!ENV_NAME.test(envName)) throw fail('env var name must be uppercase and contain only letters, digits, and underscore');
  const reserved = reservedVariable(envName);
  if (reserved !== undefined) throw fail(`env var name ${repr(envName)} is reserved: ${reserved}`);
  const provider = pyTrim(providerTyped).toLowerCase();
  if (provider === '') throw fail('provider is required');
  // Metadata must not be able to create lines in the store (core.md §15).
  for (const [label, value] of [
    ['provider', providerTyped],
    ['model', options.model],
    ['api_base', options.apiBase],
  ] as const) {
    if (value !== undefined && containsLineSeparator(value)) throw fail(`${label} must be a single line`);
  }
  // `test` sends the key to api_base: an absolute http(s) URL, plain http only to this machine.
  if (options.apiBase) {
    const problem = urlProblem('api_base', options.apiBase);
    if (problem) throw fail(problem);
  }
  await store.checkSafety({ requireIgnored: options.allowUnignored !== true, purpose: 'add-api-key' });
  // `--key -`: the key from stdin (a hidden prompt at a terminal), never in shell history or `ps`.
  if (options.key === '-') options = { ...options, key: await keyFromStdin(inv) };
  if (options.key !== undefined) inv.output.addSecrets([options.key]);
  // Under the lock, after a re-read: duplicates are refused (core.md §9.2).
  const adopted = await store.appendEnvelope(apiKeyEnvelope(surface, provider, envName, options));
  const how = adopted ? 'adopted the existing value' : options.key === undefined ? 'without key' : 'with key';
  inv.output.result(`added ${surface} api-key surface for ${providerTyped} using ${envName} (${how})`);
  if (options.allowUnignored === true) await warnIfUnignored(inv, store);
  return 0;
}

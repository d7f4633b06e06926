// `add-api-key <surface> <provider>` (core.md §9): validates, checks the store, appends an envelope under the lock.
import { LlmAuthError } from '../../lib/errors.js';
import { containsLineSeparator, pyTrim, repr } from '../../lib/text.js';
import { appendBlock, stripBom } from '../../store/document.js';
import { parseEnvelopes } from '../../store/envelope.js';
import { updateStore } from '../../store/file.js';
import { quoteValue } from '../../store/values.js';
import { openStoreForCommand, runSafetyChecks, storePath, type CommandContext } from '../context.js';

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
  let name = `${provider}_${surface}_api_key`.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').toUpperCase();
  if (/^[0-9]/.test(name)) name = `LLM_${name}`;
  return name;
}

const fail = (message: string): LlmAuthError => new LlmAuthError(message);

export function apiKeyBlock(surface: string, provider: string, envName: string, options: AddApiKeyOptions): string[] {
  const lines = [
    `# BEGIN LLM AUTH SURFACE ${surface} api-key`,
    `# surface=${surface}`,
    `# provider=${provider}`,
    '# auth=api-key',
    `# env=${envName}`,
  ];
  if (options.model) lines.push(`# model=${options.model}`);
  if (options.apiBase) lines.push(`# api_base=${options.apiBase}`);
  lines.push(options.key === undefined ? `${envName}=` : `${envName}=${quoteValue(options.key)}`);
  lines.push(`# END LLM AUTH SURFACE ${surface} api-key`);
  return lines;
}

export async function addApiKeyCommand(
  ctx: CommandContext,
  surface: string,
  providerTyped: string,
  options: AddApiKeyOptions,
): Promise<number> {
  const p = storePath(ctx);
  // Steps 1-4 of core.md §1.5: a malformed store fails first, even here.
  openStoreForCommand(ctx, p);
  if (!SURFACE_NAME.test(surface)) throw fail('surface must contain only letters, digits, dot, underscore, or dash');
  const envName = options.env ? options.env : defaultEnvName(surface, providerTyped);
  if (!ENV_NAME.test(envName)) throw fail('env var name must be uppercase and contain only letters, digits, and underscore');
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
  await runSafetyChecks(ctx, p, { requireIgnored: options.allowUnignored !== true, purpose: 'add-api-key' });
  if (options.key !== undefined) ctx.output.addSecrets([options.key]);

  await updateStore(
    p,
    (current) => {
      const text = current?.text ?? '';
      for (const existing of parseEnvelopes(stripBom(text), p.display)) {
        if (existing.name === surface && existing.auth === 'api-key') {
          throw fail(`api-key surface ${repr(surface)} already exists`);
        }
        if (existing.envKeys.includes(envName)) throw fail(`env var ${repr(envName)} already belongs to a surface`);
      }
      return { text: appendBlock(text, apiKeyBlock(surface, provider, envName, options)), result: undefined };
    },
    { warn: (m) => ctx.output.warn(m) },
  );
  ctx.output.result(
    `added ${surface} api-key surface for ${providerTyped} using ${envName} (${options.key === undefined ? 'without' : 'with'} key)`,
  );
  return 0;
}

// What a gateway surface exports to its clients (gateway.md §12): the variables each client reads, and the
// ones that would take precedence over them or send the key elsewhere, which `exec` and `env` unset. Pure.
import type { Client, GatewayConfig } from './config.js';

export interface ClientVariables {
  /** Name -> value. */
  readonly set: ReadonlyMap<string, string>;
  readonly unset: ReadonlySet<string>;
}

const UNSETS: Record<Client, readonly string[]> = {
  claude: ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX', 'CLAUDE_CODE_USE_FOUNDRY'],
  codex: ['OPENAI_API_BASE'],
  openai: ['OPENAI_API_BASE'],
  gemini: ['GOOGLE_API_KEY', 'GOOGLE_GENAI_USE_VERTEXAI', 'GOOGLE_GENAI_USE_GCA'],
  opencode: [],
};

/** The names a surface sets, known before its key is (for conflicts, checked before any request). */
export function clientVariableNames(config: GatewayConfig): string[] {
  return [...clientVariables(config, '').set.keys()];
}

export function clientVariables(config: GatewayConfig, key: string): ClientVariables {
  const set = new Map<string, string>();
  const unset = new Set<string>();
  for (const client of config.clients) {
    switch (client) {
      case 'claude':
        set.set('ANTHROPIC_BASE_URL', config.anthropicBase).set('ANTHROPIC_AUTH_TOKEN', key);
        break;
      case 'codex':
      case 'openai':
        set.set('OPENAI_BASE_URL', config.apiBase).set('OPENAI_API_KEY', key);
        break;
      case 'gemini':
        set.set('GOOGLE_GEMINI_BASE_URL', config.geminiBase).set('GEMINI_API_KEY', key);
        break;
      case 'opencode':
        set.set(config.opencodeEnv, key).set('LLM_GATEWAY_BASE_URL', config.apiBase);
        break;
    }
    for (const name of UNSETS[client]) unset.add(name);
  }
  for (const name of set.keys()) unset.delete(name);
  return { set, unset };
}

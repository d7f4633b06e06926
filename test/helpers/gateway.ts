// Stores for the gateway tests: a git repository whose `.env` is ignored, holding a gateway-key envelope that
// points at a FakeGateway.
import * as fs from 'node:fs';
import { parseAssignments } from '../../src/store/values.js';
import { chatgptRepo, HEADER } from './chatgpt.js';
import type { FakeGateway } from '../fakes/gateway.js';

export interface BlockOptions {
  name?: string;
  key?: string;
  session?: string;
  /** Metadata lines after `# renew=true`, e.g. `# lifetime=12h`. */
  extra?: string[];
  clients?: string;
}

export function gatewayBlock(fake: FakeGateway, o: BlockOptions = {}): string {
  const name = o.name ?? 'corp';
  const S = name.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();
  return [
    `# BEGIN LLM AUTH SURFACE ${name} gateway-key`,
    `# surface=${name}`,
    '# auth=gateway-key',
    `# portal=${fake.portalUrl}`,
    '# key_path=/api/v1/auths/api_key',
    `# api_base=${fake.apiBase}`,
    `# env=LLM_AUTH_${S}_GATEWAY_KEY`,
    `# session_env=LLM_AUTH_${S}_PORTAL_SESSION`,
    `# clients=${o.clients ?? 'claude,codex,gemini,opencode'}`,
    '# renew=true',
    ...(o.extra ?? []),
    `LLM_AUTH_${S}_GATEWAY_KEY=${o.key ?? ''}`,
    `LLM_AUTH_${S}_PORTAL_SESSION=${o.session ?? ''}`,
    `# END LLM AUTH SURFACE ${name} gateway-key`,
  ].join('\n');
}

/** A repository whose `.env` holds the header and the given blocks. */
export function gatewayRepo(...blocks: string[]): { dir: string; store: string } {
  return chatgptRepo(`${HEADER}\n\n${blocks.join('\n\n')}\n`);
}

/** The first assignment of `name` in the store file. */
export function storedValue(store: string, name: string): string | undefined {
  return parseAssignments(fs.readFileSync(store, 'utf8')).get(name);
}

/** The `# key=value` metadata of the store's first envelope called `name` (gateway-key). */
export function storedMetadata(store: string, name = 'corp'): Record<string, string> {
  const text = fs.readFileSync(store, 'utf8');
  const begin = text.indexOf(`# BEGIN LLM AUTH SURFACE ${name} gateway-key`);
  const end = text.indexOf(`# END LLM AUTH SURFACE ${name} gateway-key`);
  const meta: Record<string, string> = {};
  for (const line of text.slice(begin, end).split('\n').slice(1)) {
    const m = /^# ([a-z_]+)=(.*)$/.exec(line);
    if (m) meta[m[1]!] = m[2]!;
  }
  return meta;
}

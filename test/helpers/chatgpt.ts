// Stores and assertions for the ChatGPT tests.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import type { CliResult } from './cli.js';
import { gitRepo, writeStore } from './fs.js';
import type { FakeChatGPT, TokenFamily } from '../fakes/chatgpt.js';
import { HEADER_LINES } from '../../src/store/document.js';

export const HEADER = HEADER_LINES.join('\n');

export function managedBlock(json: string, extra: string[] = [], synced = '2026-11-29T15:21:16Z'): string {
  return [
    '# BEGIN LLM AUTH SURFACE chatgpt subscription-oauth (managed by llm-auth)',
    '# surface=chatgpt',
    '# auth=subscription-oauth',
    '# env=CHATGPT_AUTH_JSON',
    '# renew=true',
    ...extra,
    `CHATGPT_AUTH_JSON='${json}'`,
    `LITELLM_CHATGPT_AUTH_SYNCED_AT=${synced}`,
    '# END LLM AUTH SURFACE chatgpt subscription-oauth',
  ].join('\n');
}

/** The record as llm-auth writes it: five keys, sorted, compact. */
export function recordJson(f: TokenFamily, accountId: string | null = 'acc-1234'): string {
  return JSON.stringify({
    access_token: f.access,
    account_id: accountId,
    expires_at: f.exp,
    id_token: f.id,
    refresh_token: f.refresh,
  });
}

export function chatgptRepo(text = ''): { dir: string; store: string } {
  const dir = gitRepo();
  fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
  const store = path.join(dir, '.env');
  if (text !== '') writeStore(store, text);
  return { dir, store };
}

/** The CHATGPT_AUTH_JSON record in the file. */
export function storedRecord(store: string): Record<string, unknown> {
  const m = /^CHATGPT_AUTH_JSON='(.*)'$/m.exec(fs.readFileSync(store, 'utf8'));
  if (!m) throw new Error('no record in the store');
  return JSON.parse(m[1]!) as Record<string, unknown>;
}

/** No token the fake ever issued, nor its 8-character prefix or 6-character suffix, was printed. */
export function expectNoTokens(r: CliResult, fake: FakeChatGPT): void {
  const out = r.stdout + r.stderr;
  for (const secret of fake.issued) {
    for (const piece of [secret, secret.slice(0, 8), secret.slice(-6)])
      expect(out.includes(piece), `printed ${piece}`).toBe(false);
  }
}

// The package entry for apps (dist/index.js, as `import ... from 'llm-auth'` resolves it).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type * as Library from '../../src/index.js';
import { CANARY, ROOT } from '../helpers/cli.js';
import { gitRepo, STORE_API_KEY, writeStore } from '../helpers/fs.js';
import { chatgptRepo, HEADER, managedBlock, recordJson } from '../helpers/chatgpt.js';
import { gatewayBlock, gatewayRepo, storedValue } from '../helpers/gateway.js';
import { BUDGET_BODY, FakeGateway } from '../fakes/gateway.js';
import { ACCOUNT_ID, FakeChatGPT } from '../fakes/chatgpt.js';
import { FakeOpenAI } from '../fakes/openai.js';

type Lib = typeof Library;
const load = async (): Promise<Lib> => (await import(pathToFileURL(path.join(ROOT, 'dist', 'index.js')).href)) as Lib;

describe('library: openStore', () => {
  it('opens a safe store and gives surfaces without values, and the status objects', async () => {
    const { openStore } = await load();
    const dir = gitRepo();
    fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
    writeStore(path.join(dir, '.env'), STORE_API_KEY('research', 'OPENAI_API_KEY', CANARY, ['# model=gpt-4.1-mini']));
    const store = await openStore({ cwd: dir, env: {} });
    expect(store.path).toBe(path.join(dir, '.env'));
    expect(store.surfaces()).toEqual([
      {
        name: 'research',
        auth: 'api-key',
        metadata: { surface: 'research', auth: 'api-key', provider: 'openai', env: 'OPENAI_API_KEY', model: 'gpt-4.1-mini' },
        env: ['OPENAI_API_KEY'],
      },
    ]);
    expect(JSON.stringify(store.surfaces())).not.toContain(CANARY);
    expect(store.status('research')).toEqual({
      research: { api_key: true, auth: 'api-key', env: 'OPENAI_API_KEY', provider: 'openai' },
    });
    // The caller's environment wins over the file.
    const shadowed = await openStore({ cwd: dir, env: { OPENAI_API_KEY: '' } });
    expect(shadowed.status()).toEqual({
      research: { api_key: false, auth: 'api-key', env: 'OPENAI_API_KEY', provider: 'openai' },
    });
  });

  it('throws LlmAuthError kind store for an unsafe store, and usage for an unknown surface', async () => {
    const { openStore, LlmAuthError } = await load();
    const dir = gitRepo();
    writeStore(path.join(dir, '.env'), STORE_API_KEY('research', 'OPENAI_API_KEY', CANARY));
    const err = await openStore({ cwd: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmAuthError);
    expect(err).toMatchObject({
      kind: 'store',
      exitCode: 1,
      message: `${path.join(dir, '.env')} is not ignored by git; add /.env to .gitignore`,
    });
    fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
    const store = await openStore({ cwd: dir });
    expect(() => store.status('nope')).toThrow(expect.objectContaining({ kind: 'usage', exitCode: 2 }));
  });
});

describe('library: credentialsFor and createOpenAIClient', () => {
  let gateway: FakeGateway;
  let chatgpt: FakeChatGPT;
  let openai: FakeOpenAI;
  beforeAll(async () => {
    gateway = await new FakeGateway().start();
    chatgpt = await new FakeChatGPT().start();
    openai = await new FakeOpenAI().start();
  });
  afterAll(async () => {
    await Promise.all([gateway.close(), chatgpt.close(), openai.close()]);
  });
  beforeEach(() => gateway.reset({ now: () => Date.now() }));

  it('api-key: the snapshot of §8.2, with no request', async () => {
    const { credentialsFor } = await load();
    const { dir } = chatgptRepo(
      STORE_API_KEY('research', 'OPENAI_RESEARCH_KEY', CANARY, ['# model=gpt-4.1-mini', '# api_base=https://api.example.com/v1']),
    );
    expect(await credentialsFor('research', { cwd: dir, env: {} })).toEqual({
      auth: 'api-key',
      surface: 'research',
      provider: 'openai',
      env: 'OPENAI_RESEARCH_KEY',
      apiKey: CANARY,
      baseURL: 'https://api.example.com/v1',
      model: 'gpt-4.1-mini',
    });
  });

  it('gateway: a known fresh expiry hands out the key with no request; the client variables come along', async () => {
    const { credentialsFor, openStore } = await load();
    const key = gateway.setKey();
    const { dir } = gatewayRepo(
      gatewayBlock(gateway, { key, session: gateway.session(), clients: 'claude', extra: ['# expires_at=2099-01-01T00:00:00Z'] }),
    );
    const start = gateway.requests.length;
    const store = await openStore({ cwd: dir, env: {} });
    const creds = await credentialsFor('corp', { store });
    expect(creds).toEqual({
      auth: 'gateway-key',
      surface: 'corp',
      apiKey: key,
      baseURL: gateway.apiBase,
      expiresAt: Date.UTC(2099, 0, 1) / 1000,
      clientEnv: { ANTHROPIC_AUTH_TOKEN: key, ANTHROPIC_BASE_URL: gateway.origin },
    });
    expect(gateway.requests.length).toBe(start);
  });

  it('gateway: a blank key is renewed once for concurrent calls in one process', async () => {
    const { credentialsFor, openStore } = await load();
    const { dir } = gatewayRepo(gatewayBlock(gateway, { session: gateway.session() }));
    const store = await openStore({ cwd: dir, env: {} });
    const start = gateway.posts.length;
    const all = await Promise.all(Array.from({ length: 5 }, () => credentialsFor('corp', { store })));
    expect(new Set(all.map((c) => (c.auth === 'gateway-key' ? c.apiKey : '')))).toEqual(new Set([gateway.currentKey]));
    expect(gateway.posts.length - start).toBe(1);
  });

  it('errors carry a kind: login-required without a session, usage for an unknown surface; nothing is printed', async () => {
    const { credentialsFor, LlmAuthError } = await load();
    const { dir } = gatewayRepo(gatewayBlock(gateway));
    const warnings: string[] = [];
    const err = await credentialsFor('corp', { cwd: dir, env: {}, onWarning: (m) => warnings.push(m) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmAuthError);
    expect(err).toMatchObject({ kind: 'login-required', exitCode: 1, message: 'no portal session; run `llm-auth login corp`' });
    await expect(credentialsFor('nope', { cwd: dir, env: {} })).rejects.toMatchObject({ kind: 'usage', exitCode: 2 });
  });

  it('createOpenAIClient(gateway) survives a rotation mid-session with one renewal and one resend', async () => {
    const { createOpenAIClient } = await load();
    const key = gateway.setKey();
    const { dir, store } = gatewayRepo(gatewayBlock(gateway, { key, session: gateway.session() }));
    const ai = await createOpenAIClient('corp', { cwd: dir, env: {}, clientOptions: { maxRetries: 0 } });
    const first = await ai.chat.completions.create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(first.choices[0]!.message.content).toBe('1');
    // The gateway expires the key behind our back.
    gateway.oldKeys.set(key, 'expired');
    const posts = gateway.posts.length;
    const second = await ai.chat.completions.create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'again' }] });
    expect(second.choices[0]!.message.content).toBe('1');
    expect(gateway.posts.length - posts).toBe(1);
    const chats = gateway.requestsTo('POST /v1/chat/completions');
    expect(chats.at(-2)!.headers.authorization).toBe(`Bearer ${key}`);
    expect(chats.at(-1)!.headers.authorization).toBe(`Bearer ${gateway.currentKey}`);
    expect(chats.at(-1)!.rawBody).toBe(chats.at(-2)!.rawBody);
    expect(storedValue(store, 'LLM_AUTH_CORP_GATEWAY_KEY')).toBe(gateway.currentKey);
    // The next request asks for the key again and gets the new one: no further renewal.
    await ai.chat.completions.create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'third' }] });
    expect(gateway.requestsTo('POST /v1/chat/completions').at(-1)!.headers.authorization).toBe(`Bearer ${gateway.currentKey}`);
    expect(gateway.posts.length - posts).toBe(1);
  });

  it('createOpenAIClient(gateway): an over-budget answer is not a reason to renew', async () => {
    const { createOpenAIClient } = await load();
    const key = gateway.setKey();
    const { dir } = gatewayRepo(gatewayBlock(gateway, { key, session: gateway.session() }));
    const ai = await createOpenAIClient('corp', { cwd: dir, env: {}, clientOptions: { maxRetries: 0 } });
    gateway.script('POST /v1/chat/completions', {
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(BUDGET_BODY),
    });
    const posts = gateway.posts.length;
    await expect(ai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      status: 400,
    });
    expect(gateway.posts.length).toBe(posts);
  });

  it('createOpenAIClient(api-key): a plain client with the key and api_base', async () => {
    const { createOpenAIClient } = await load();
    openai.validKeys.add('sk-library-test-key-1');
    const { dir } = chatgptRepo(
      STORE_API_KEY('research', 'OPENAI_RESEARCH_KEY', 'sk-library-test-key-1', [`# api_base=${openai.baseUrl}`]),
    );
    const ai = await createOpenAIClient('research', { cwd: dir, env: {}, clientOptions: { maxRetries: 0 } });
    const models = await ai.models.list();
    expect(models.data.map((m) => m.id)).toContain('gpt-4.1-mini');
    expect(openai.requests.at(-1)!.headers.authorization).toBe('Bearer sk-library-test-key-1');
    const { dir: other } = chatgptRepo(
      STORE_API_KEY('evals', 'OR_KEY', 'sk-or-1').replace('# provider=openai', '# provider=openrouter'),
    );
    await expect(createOpenAIClient('evals', { cwd: other, env: {} })).rejects.toMatchObject({
      kind: 'usage',
      message: "surface 'evals' (provider openrouter) has no api_base",
    });
  });

  it('createOpenAIClient(chatgpt): account and originator headers, and one refresh and resend after a 401', async () => {
    const { createOpenAIClient } = await load();
    const f = chatgpt.issue();
    const { dir } = chatgptRepo(`${HEADER}\n\n${managedBlock(recordJson(f))}\n`);
    const ai = await createOpenAIClient('chatgpt', { cwd: dir, env: chatgpt.env(), clientOptions: { maxRetries: 0 } });
    // The backend rejects the first call; the wrapper refreshes once and sends it again.
    chatgpt.validAccessTokens.delete(f.access);
    const stream = await ai.responses.create({
      model: 'gpt-5.4-mini',
      instructions: 'Be brief.',
      input: 'Say 1',
      stream: true,
      store: false,
    });
    let text = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
    expect(text).toBe('1');
    const calls = chatgpt.requests.filter((q) => q.path.startsWith('/backend-api/codex/responses'));
    expect(calls.at(-2)!.headers.authorization).toBe(`Bearer ${f.access}`);
    expect(calls.at(-1)!.headers.authorization).not.toBe(`Bearer ${f.access}`);
    expect(calls.at(-1)!.headers['chatgpt-account-id']).toBe(ACCOUNT_ID);
    expect(calls.at(-1)!.headers.originator).toBe('codex_cli_rs');
    expect(chatgpt.requests.filter((q) => q.path === '/oauth/token')).toHaveLength(1);
  });
});

// Live checks beyond OpenAI (core.md §11.7): Anthropic's and Gemini's model lists with their own key headers,
// the OpenAI-compatible checks for any provider with an api_base, presence alone for the rest; and add-api-key
// refusing an api_base that is not an https URL (or http to this machine).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANARY, runCli } from '../helpers/cli.js';
import { gitRepo, STORE_API_KEY, writeStore } from '../helpers/fs.js';
import { FakeServer, json } from '../fakes/http.js';
import { FakeOpenAI } from '../fakes/openai.js';

/** One loopback server answering Anthropic's and Gemini's model lists for the key CANARY. */
let providers: FakeServer;
let openai: FakeOpenAI;
beforeAll(async () => {
  providers = new FakeServer();
  providers.route('GET', /^\/v1\/models$/, (req) =>
    req.headers['x-api-key'] === CANARY && req.headers['anthropic-version'] === '2023-06-01'
      ? json(200, { data: [{ type: 'model', id: 'claude-sonnet-4-5' }], has_more: false })
      : json(401, {
          type: 'error',
          error: { type: 'authentication_error', message: `invalid x-api-key ${req.headers['x-api-key']}` },
        }),
  );
  providers.route('GET', /^\/v1beta\/models$/, (req) =>
    req.headers['x-goog-api-key'] === CANARY
      ? json(200, { models: [{ name: 'models/gemini-2.5-flash' }] })
      : json(400, {
          error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT' },
        }),
  );
  await providers.start();
  openai = await new FakeOpenAI().start();
  openai.validKeys.add(CANARY);
});
afterAll(async () => {
  await providers.close();
  await openai.close();
});

function store(...blocks: string[]): string {
  const dir = gitRepo();
  fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
  writeStore(path.join(dir, '.env'), blocks.join(''));
  return dir;
}

const block = (name: string, provider: string, key: string, extra: string[] = []): string =>
  STORE_API_KEY(name, `${name.toUpperCase()}_KEY`, key, extra).replace('# provider=openai', `# provider=${provider}`);

describe('test: providers beyond OpenAI', () => {
  it('anthropic: GET {base}/v1/models with x-api-key and anthropic-version', async () => {
    const dir = store(
      block('claude', 'anthropic', CANARY, [`# api_base=${providers.origin}/v1`]),
      block('bad', 'anthropic', 'sk-ant-wrong-key-123', [`# api_base=${providers.origin}`]),
    );
    const start = providers.requests.length;
    expect((await runCli(['test', 'claude'], { cwd: dir })).stdout).toBe(
      'claude.api-key: pass\nclaude.anthropic-api-key-auth: pass\n',
    );
    const q = providers.requests[start]!;
    expect([q.method, q.path, q.headers['x-api-key'], q.headers.authorization]).toEqual(['GET', '/v1/models', CANARY, undefined]);
    const bad = await runCli(['test', 'bad'], { cwd: dir });
    expect(bad.stdout).toBe(
      'bad.api-key: pass\nbad.anthropic-api-key-auth: fail - HTTP 401: {"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key [redacted]"}}\n',
    );
  });

  it('gemini and google: GET {base}/v1beta/models with x-goog-api-key', async () => {
    const dir = store(
      block('gem', 'gemini', CANARY, [`# api_base=${providers.origin}/v1beta`]),
      block('goo', 'google', 'AIza-wrong-key-1234567', [`# api_base=${providers.origin}`]),
    );
    expect((await runCli(['test', 'gem'], { cwd: dir })).stdout).toBe('gem.api-key: pass\ngem.gemini-api-key-auth: pass\n');
    expect((await runCli(['test', 'goo'], { cwd: dir })).stdout).toContain('goo.gemini-api-key-auth: fail - HTTP 400: ');
  });

  it('any other provider with an api_base gets the OpenAI-compatible checks', async () => {
    const dir = store(block('router', 'openrouter', CANARY, [`# api_base=${openai.baseUrl}`, '# model=gpt-4.1-mini']));
    const r = await runCli(['test', 'router'], { cwd: dir });
    expect(r.stdout).toBe(
      'router.api-key: pass\nrouter.openai-api-key-auth: pass\nrouter.openai-model-access: pass - model=gpt-4.1-mini\nrouter.openai-response: pass - model=gpt-4.1-mini\n',
    );
  });

  it('a provider with no known check and no api_base keeps the presence check alone, byte for byte', async () => {
    const dir = store(block('mistral', 'mistral', CANARY));
    const start = providers.requests.length + openai.requests.length;
    expect(await runCli(['test', 'mistral'], { cwd: dir })).toMatchObject({ code: 0, stdout: 'mistral.api-key: pass\n' });
    expect(await runCli(['test'], { cwd: dir })).toMatchObject({ code: 0, stdout: 'mistral: pass\n' });
    expect(providers.requests.length + openai.requests.length).toBe(start);
  });

  it('without a key nothing is sent and the live subtest fails with the same message', async () => {
    const dir = store(block('claude', 'anthropic', ''));
    expect((await runCli(['test', 'claude'], { cwd: dir })).stdout).toBe(
      'claude.api-key: fail - CLAUDE_KEY is missing\nclaude.anthropic-api-key-auth: fail - CLAUDE_KEY is missing\n',
    );
  });
});

describe('add-api-key --api-base', () => {
  it('must be an https URL; http only for this machine', async () => {
    for (const [base, ok] of [
      ['https://openrouter.ai/api/v1', true],
      ['http://127.0.0.1:4000/v1', true],
      ['http://localhost:4000', true],
      ['http://proxy.example.com/v1', false],
      ['openrouter.ai/api/v1', false],
    ] as const) {
      const dir = gitRepo();
      fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
      const r = await runCli(['add-api-key', 'x', 'openrouter', '--api-base', base], { cwd: dir });
      if (ok) expect(r.code).toBe(0);
      else
        expect(r).toMatchObject({
          code: 1,
          stdout: '',
          stderr: 'error: api_base must be an https URL (http is allowed only for localhost)\n',
        });
    }
  });
});

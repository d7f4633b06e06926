// `llm-auth token` (commands.md §2) for the three modes, with freshness (§1.6, gateway.md §11), selection
// (§1.5), the deadline, and parallel processes sharing one renewal or refresh.
import * as fs from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runBin, runCli } from '../helpers/cli.js';
import { FakeClock } from '../helpers/runtime.js';
import { STORE_API_KEY } from '../helpers/fs.js';
import { chatgptRepo, HEADER, managedBlock, recordJson, storedRecord } from '../helpers/chatgpt.js';
import { gatewayBlock, gatewayRepo, storedValue } from '../helpers/gateway.js';
import { FakeGateway, MODELS, POST_KEY } from '../fakes/gateway.js';
import { FakeChatGPT } from '../fakes/chatgpt.js';

const KEY = 'LLM_AUTH_CORP_GATEWAY_KEY';
const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);

let fake: FakeGateway;
let chatgpt: FakeChatGPT;
let clock: FakeClock;
beforeAll(async () => {
  fake = await new FakeGateway().start();
  chatgpt = await new FakeChatGPT().start();
});
afterAll(async () => {
  await fake.close();
  await chatgpt.close();
});
beforeEach(() => {
  clock = new FakeClock(NOW);
  fake.reset(clock);
});

const token = (dir: string, args: string[], env: Record<string, string> = {}) =>
  runCli(['token', ...args], { cwd: dir, clock, env, secretsOnStdout: true });

describe('token: api-key', () => {
  it('prints the key and one newline, with no request; the environment wins', async () => {
    const { dir } = chatgptRepo(STORE_API_KEY('research', 'OPENAI_RESEARCH_KEY', 'sk-proj-abc123'));
    expect(await token(dir, ['research'])).toMatchObject({ code: 0, stdout: 'sk-proj-abc123\n', stderr: '' });
    expect((await token(dir, ['research'], { OPENAI_RESEARCH_KEY: 'sk-from-env' })).stdout).toBe('sk-from-env\n');
  });

  it('a blank key: error, nothing on stdout, exit 1', async () => {
    const { dir } = chatgptRepo(STORE_API_KEY('research', 'OPENAI_RESEARCH_KEY', ''));
    expect(await token(dir, ['research'])).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'error: OPENAI_RESEARCH_KEY is missing\n',
    });
  });
});

describe('token: selection', () => {
  const both = () =>
    chatgptRepo(
      `${HEADER}\n\n${STORE_API_KEY('chatgpt', 'OPENAI_API_KEY_X', 'sk-plain-key-123')}\n${managedBlock(recordJson(chatgpt.issue()))}\n`,
    );

  it('several modes under one name need --auth (exit 2); --auth picks one', async () => {
    const { dir } = both();
    expect(await token(dir, ['chatgpt'])).toMatchObject({
      code: 2,
      stdout: '',
      stderr: "error: surface 'chatgpt' has several auth modes (api-key, subscription-oauth); choose one with --auth\n",
    });
    expect((await token(dir, ['chatgpt', '--auth', 'api-key'])).stdout).toBe('sk-plain-key-123\n');
    expect(await token(dir, ['chatgpt', '--auth', 'gateway-key'])).toMatchObject({
      code: 2,
      stderr: "error: surface 'chatgpt' has no gateway-key envelope\n",
    });
  });

  it('unknown surfaces and modes without a secret are usage errors', async () => {
    const { dir } = chatgptRepo(
      STORE_API_KEY('research', 'OPENAI_RESEARCH_KEY', 'sk-1') +
        '# BEGIN LLM AUTH SURFACE odd weird-mode\nODD=1\n# END LLM AUTH SURFACE odd weird-mode\n',
    );
    expect(await token(dir, ['nope'])).toMatchObject({
      code: 2,
      stderr: "error: unknown auth surface 'nope'; available: research, odd\n",
    });
    expect(await token(dir, ['odd'])).toMatchObject({
      code: 2,
      stderr: "error: token does not support auth mode 'weird-mode'\n",
    });
  });

  it('a secret given as an extra argument is a usage error and is not echoed', async () => {
    const { dir } = chatgptRepo(STORE_API_KEY('research', 'OPENAI_RESEARCH_KEY', 'sk-1'));
    const r = await runBin(['token', 'research', 'sk-live-secret-value-123456'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).not.toContain('sk-live');
  });
});

describe('token: ChatGPT', () => {
  it('an access token with more than 300 s left is printed as is: no request', async () => {
    const f = chatgpt.issue();
    const { dir } = chatgptRepo(`${HEADER}\n\n${managedBlock(recordJson(f))}\n`);
    const start = chatgpt.requests.length;
    const r = await runCli(['token', 'chatgpt'], { cwd: dir, env: chatgpt.env(), secretsOnStdout: true });
    expect(r).toMatchObject({ code: 0, stdout: `${f.access}\n`, stderr: '' });
    expect(chatgpt.requests.length).toBe(start);
  });

  it('under 300 s left: one refresh, and the new access token', async () => {
    const f = chatgpt.issue({ exp: Math.floor(Date.now() / 1000) + 120 });
    const { dir, store } = chatgptRepo(`${HEADER}\n\n${managedBlock(recordJson(f))}\n`);
    const r = await runCli(['token', 'chatgpt'], { cwd: dir, env: chatgpt.env(), secretsOnStdout: true });
    const stored = storedRecord(store);
    expect(r).toMatchObject({ code: 0, stdout: `${String(stored.access_token)}\n` });
    expect(stored.access_token).not.toBe(f.access);
  });

  it('no tokens: login required, exit 1', async () => {
    const { dir } = chatgptRepo(`${HEADER}\n\n${managedBlock('{}')}\n`);
    const r = await runCli(['token', 'chatgpt'], { cwd: dir, env: chatgpt.env() });
    expect(r).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'error: missing access_token and refresh_token; run `llm-auth login`\n',
    });
  });

  it('16 parallel processes with under 300 s left make one refresh request and print the same token', async () => {
    const f = chatgpt.issue({ exp: Math.floor(Date.now() / 1000) + 120 });
    const { dir } = chatgptRepo(`${HEADER}\n\n${managedBlock(recordJson(f))}\n`);
    const start = chatgpt.requests.length;
    const results = await Promise.all(
      Array.from({ length: 16 }, () =>
        runBin(['token', 'chatgpt', '--timeout', '120'], { cwd: dir, env: chatgpt.env(), secretsOnStdout: true }),
      ),
    );
    for (const r of results) expect(r.code).toBe(0);
    expect(new Set(results.map((r) => r.stdout)).size).toBe(1);
    expect(chatgpt.requests.slice(start).filter((q) => q.path === '/oauth/token')).toHaveLength(1);
  });
});

describe('token: gateway', () => {
  function store(state: 'valid' | 'expired' | 'blank', extra: string[] = []) {
    const key = state === 'valid' ? fake.setKey() : state === 'blank' ? '' : fake.staleKey('expired');
    if (state === 'expired') fake.currentKey = key;
    return { ...gatewayRepo(gatewayBlock(fake, { key, session: fake.session(), extra })), key };
  }

  it('a known expiry outside renew_before: the stored key, no request at all', async () => {
    const { dir, key } = store('valid', ['# expires_at=2026-12-02T18:00:00Z']);
    const start = fake.requests.length;
    expect(await token(dir, ['corp'])).toMatchObject({ code: 0, stdout: `${key}\n`, stderr: '' });
    expect(fake.requests.length).toBe(start);
  });

  it('a known expiry inside renew_before: renewed without a probe first', async () => {
    const { dir, store: file, key } = store('valid', ['# expires_at=2026-12-02T12:05:00Z']);
    const start = fake.requests.length;
    const r = await token(dir, ['corp']);
    expect(r.stdout).toBe(`${fake.currentKey}\n`);
    expect(fake.currentKey).not.toBe(key);
    expect(storedValue(file, KEY)).toBe(fake.currentKey);
    expect(fake.requests.slice(start).map((q) => `${q.method} ${q.path}`)).toEqual([POST_KEY, MODELS]);
  });

  it('an unknown expiry: one probe; valid is used, expired is renewed', async () => {
    const valid = store('valid');
    let start = fake.requests.length;
    expect((await token(valid.dir, ['corp'])).stdout).toBe(`${valid.key}\n`);
    expect(fake.requests.slice(start).map((q) => `${q.method} ${q.path}`)).toEqual([MODELS]);
    const expired = store('expired');
    start = fake.requests.length;
    const r = await token(expired.dir, ['corp']);
    expect(r).toMatchObject({ code: 0, stdout: `${fake.currentKey}\n`, stderr: '' });
    expect(fake.requests.slice(start).map((q) => `${q.method} ${q.path}`)).toEqual([MODELS, POST_KEY, MODELS]);
  });

  it('a probe that cannot tell: the stored key, with a warning', async () => {
    const { dir, key } = store('valid');
    fake.script(MODELS, { status: 503, body: 'maintenance' });
    const r = await token(dir, ['corp']);
    expect(r).toMatchObject({
      code: 0,
      stdout: `${key}\n`,
      stderr: 'warning: could not verify the corp key (server-error: HTTP 503: maintenance)\n',
    });
  });

  it('--no-renew: the stored key as is, or an error when blank', async () => {
    const { dir, key } = store('expired');
    const start = fake.requests.length;
    expect((await token(dir, ['corp', '--no-renew'])).stdout).toBe(`${key}\n`);
    expect(fake.requests.length).toBe(start);
    const blank = store('blank');
    expect(await token(blank.dir, ['corp', '--no-renew'])).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `error: ${KEY} is missing\n`,
    });
  });

  it('no session: login required, nothing on stdout', async () => {
    const key = fake.staleKey('expired');
    fake.currentKey = key;
    const { dir } = gatewayRepo(gatewayBlock(fake, { key }));
    expect(await token(dir, ['corp'])).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'error: no portal session; run `llm-auth login corp`\n',
    });
  });

  it('a renewal that fails: its detail as the error', async () => {
    const { dir } = store('expired');
    fake.apiKeysEnabled = false;
    const r = await token(dir, ['corp']);
    expect(r).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'error: the portal refused to create a key (HTTP 403): API key creation is not allowed in the environment.\n',
    });
  });

  it('the deadline: a portal that hangs ends in `timed out after 0.5s`, exit 1', async () => {
    fake.reset({ now: () => Date.now() });
    const { dir } = store('blank');
    fake.script(POST_KEY, { status: 200, hang: true });
    const r = await runBin(['token', 'corp', '--timeout', '0.5'], { cwd: dir });
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: 'error: timed out after 0.5s\n' });
  });

  it('16 parallel processes with an expired key: one POST and 16 identical outputs', async () => {
    fake.reset({ now: () => Date.now() });
    const { dir, store: file } = store('expired');
    const start = fake.requests.length;
    // The 20 s default deadline is for one helper; 16 started at once on a loaded CI machine take longer.
    const results = await Promise.all(
      Array.from({ length: 16 }, () => runBin(['token', 'corp', '--timeout', '120'], { cwd: dir, secretsOnStdout: true })),
    );
    for (const r of results) {
      expect(r.stderr).toMatch(/^(warning: waiting for .*\.env\.lock \(held by pid \d+\)\n)?$/);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/^(warning: waiting for .*\.env\.lock \(held by pid \d+\)\n)?$/);
    }
    expect(new Set(results.map((r) => r.stdout))).toEqual(new Set([`${fake.currentKey}\n`]));
    expect(fake.requests.slice(start).filter((q) => `${q.method} ${q.path}` === POST_KEY)).toHaveLength(1);
    expect(storedValue(file, KEY)).toBe(fake.currentKey);
    // Client variables are handed on, never written to the store.
    expect(fs.readFileSync(file, 'utf8')).not.toContain('ANTHROPIC');
  });
});

// The live `subscription-oauth.completion` subtest against the loopback backend (chatgpt-oauth.md §10).
import * as os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { chatgptRepo, expectNoTokens, HEADER, managedBlock, recordJson, storedRecord } from '../helpers/chatgpt.js';
import { FakeChatGPT, HAPPY_EVENTS, sse } from '../fakes/chatgpt.js';
import { json } from '../fakes/http.js';

let fake: FakeChatGPT;
beforeAll(async () => {
  fake = await new FakeChatGPT().start();
});
afterAll(async () => {
  await fake.close();
});

const ROUTE = 'POST /backend-api/codex/responses';
const PASS = 'chatgpt.subscription-oauth.completion: pass - model=gpt-5.4-mini';

function liveRepo(options: { exp?: number; meta?: string[] } = {}): { dir: string; store: string; access: string } {
  const f = fake.issue(options.exp === undefined ? {} : { exp: options.exp });
  const { dir, store } = chatgptRepo(
    `${HEADER}\n\n${managedBlock(recordJson(f, fake.withAccountClaim ? 'acc-1234' : null), ['# live_backend=true', ...(options.meta ?? [])])}\n`,
  );
  return { dir, store, access: f.access };
}

const completionLine = (stdout: string): string => stdout.split('\n').find((l) => l.includes('.completion:')) ?? '';

describe('test: live ChatGPT backend check', () => {
  it('passes on the happy path and sends exactly the specified request', async () => {
    const { dir, access } = liveRepo();
    const start = fake.requests.length;
    const r = await runCli(['test', 'chatgpt'], { cwd: dir, env: fake.env() });
    expect(r.stdout).toBe(
      `chatgpt.subscription-oauth.env-auth-json: pass\nchatgpt.subscription-oauth.oauth-state: pass\n${PASS}\n`,
    );
    expect(r.code).toBe(0);
    const [q] = fake.requests.slice(start);
    expect(q!.path).toBe('/backend-api/codex/responses');
    expect(q!.headers.authorization).toBe(`Bearer ${access}`);
    expect(q!.headers['content-type']).toBe('application/json');
    expect(q!.headers.accept).toBe('text/event-stream');
    expect(q!.headers.originator).toBe('codex_cli_rs');
    expect(q!.headers['chatgpt-account-id']).toBe('acc-1234');
    expect(q!.headers['user-agent']).toBe(
      `codex_cli_rs/${q!.headers['user-agent']!.split('/')[1]!.split(' ')[0]} (${os.type()} ${os.release()}; ${process.arch}) llm-auth`,
    );
    expect(q!.headers.session_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(q!.rawBody).toBe(
      '{"model":"gpt-5.4-mini","instructions":"You are a helpful assistant.","input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"Respond with exactly: 1"}]}],"stream":true,"store":false,"include":["reasoning.encrypted_content"]}',
    );
    expectNoTokens(r, fake);
  });

  it('reads SSE without a Content-Type, with CRLF, split mid-line, and from a populated output only', async () => {
    const { dir } = liveRepo();
    const body = sse(HAPPY_EVENTS());
    fake.script(ROUTE, { status: 200, body });
    fake.script(ROUTE, { status: 200, body: sse(HAPPY_EVENTS(), '\r\n') });
    fake.script(ROUTE, {
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      chunks: [body.slice(0, 37), body.slice(37, 120), body.slice(120)],
    });
    fake.script(ROUTE, {
      status: 200,
      body:
        sse([
          { type: 'response.created' },
          {
            type: 'response.completed',
            response: { output: [{ type: 'message', content: [{ type: 'output_text', text: '1' }] }] },
          },
        ]) + 'data: [DONE]\n\n',
    });
    fake.script(ROUTE, json(200, { output: [{ content: [{ type: 'output_text', text: '1' }] }] }));
    for (let i = 0; i < 5; i++) {
      const r = await runCli(['test', 'chatgpt'], { cwd: dir, env: fake.env() });
      expect(completionLine(r.stdout)).toBe(PASS);
    }
  });

  it('reports a wrong answer, a failed response and a cut stream', async () => {
    const { dir } = liveRepo();
    const cases: Array<[unknown, string]> = [
      [{ status: 200, body: sse(HAPPY_EVENTS('1.')) }, "fail - expected `1`, got '1.'"],
      [
        {
          status: 200,
          body: sse([
            { type: 'response.created' },
            { type: 'response.failed', response: { error: { message: 'model overloaded' } } },
          ]),
        },
        'fail - model overloaded',
      ],
      [{ status: 200, body: sse([{ type: 'error', error: { message: 'bad \x1b[31mthing\x1b[0m' } }]) }, 'fail - bad thing'],
      [{ status: 200, body: sse(HAPPY_EVENTS().slice(0, 3)) }, 'fail - backend stream ended before response.completed'],
    ];
    for (const [reply, detail] of cases) {
      fake.script(ROUTE, reply as never);
      const r = await runCli(['test', 'chatgpt'], { cwd: dir, env: fake.env() });
      expect(completionLine(r.stdout)).toBe(`chatgpt.subscription-oauth.completion: ${detail}`);
      expect(r.code).toBe(1);
    }
  });

  it('reports HTTP errors as one redacted line each', async () => {
    const { dir, access } = liveRepo();
    const cases: Array<[unknown, string]> = [
      [json(400, { detail: 'Instructions are required' }), 'HTTP 400: {"detail":"Instructions are required"}'],
      [
        json(400, { detail: 'The model gpt-5.4-mini is not supported when using Codex with a ChatGPT account.' }),
        'HTTP 400: {"detail":"The model gpt-5.4-mini is not supported when using Codex with a ChatGPT account."}',
      ],
      [
        json(429, { error: { type: 'usage_limit_reached', message: `The usage limit has been reached (token ${access})` } }),
        'HTTP 429: {"error":{"type":"usage_limit_reached","message":"The usage limit has been reached (token [redacted])"}}',
      ],
      [
        {
          status: 403,
          headers: { 'content-type': 'text/html', 'cf-mitigated': 'challenge' },
          body: '<!DOCTYPE html><html><body>Just a moment...</body></html>',
        },
        'ChatGPT backend returned an HTML/Cloudflare challenge',
      ],
      [
        { status: 200, headers: { 'cf-mitigated': 'challenge' }, body: 'challenge' },
        'ChatGPT backend returned an HTML/Cloudflare challenge',
      ],
      [json(500, 'Internal Server Error'), 'HTTP 500: Internal Server Error'],
    ];
    for (const [reply, detail] of cases) {
      fake.script(ROUTE, reply as never);
      const r = await runCli(['test'], { cwd: dir, env: fake.env() });
      expect(r.stdout).toBe(`chatgpt: fail - subscription-oauth.completion: ${detail}\n`);
      expectNoTokens(r, fake);
    }
  });

  it('--show-raw-error shows the redacted raw body; --verbose lists the event types on stderr', async () => {
    const { dir, access } = liveRepo();
    fake.script(ROUTE, {
      status: 403,
      headers: { 'content-type': 'text/html' },
      body: `prefix <html><body>${access}</body></html>`,
    });
    const raw = await runCli(['test', 'chatgpt', '--show-raw-error'], { cwd: dir, env: fake.env() });
    expect(completionLine(raw.stdout)).toBe('chatgpt.subscription-oauth.completion: fail - <html><body>[redacted]</body></html>');
    const verbose = await runCli(['test', 'chatgpt', '--verbose'], { cwd: dir, env: fake.env() });
    expect(verbose.stderr).toBe(
      'response.created\nresponse.output_text.delta\nresponse.output_text.done\nresponse.output_item.done\nresponse.completed\n',
    );
    expect(completionLine(verbose.stdout)).toBe(PASS);
  });

  it('--verbose event types get the prefix and suffix redaction too', async () => {
    const { dir, access } = liveRepo();
    const odd = `echo.${access.slice(0, 8)}.${access.slice(-6)}`;
    fake.script(ROUTE, {
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: sse([{ type: odd }, ...HAPPY_EVENTS()]),
    });
    const r = await runCli(['test', 'chatgpt', '--verbose'], { cwd: dir, env: fake.env() });
    expect(r.stderr.split('\n')[0]).toBe('echo.[redacted-prefix].[redacted-suffix]');
    expect(completionLine(r.stdout)).toBe(PASS);
  });

  it('refreshes an expired token first, and refreshes once after a 401', async () => {
    const expired = liveRepo({ exp: Math.floor(Date.now() / 1000) - 5 });
    const start = fake.requests.length;
    const r = await runCli(['test', 'chatgpt'], { cwd: expired.dir, env: fake.env() });
    expect(completionLine(r.stdout)).toBe(PASS);
    expect(fake.requests.slice(start).map((q) => q.path)).toEqual(['/oauth/token', '/backend-api/codex/responses']);
    expect(storedRecord(expired.store).access_token).not.toBe(expired.access);

    const revoked = liveRepo();
    fake.validAccessTokens.delete(revoked.access); // the backend no longer accepts it
    const start2 = fake.requests.length;
    const r2 = await runCli(['test', 'chatgpt'], { cwd: revoked.dir, env: fake.env() });
    expect(completionLine(r2.stdout)).toBe(PASS);
    expect(fake.requests.slice(start2).map((q) => q.path)).toEqual([
      '/backend-api/codex/responses',
      '/oauth/token',
      '/backend-api/codex/responses',
    ]);

    // A second 401 after the refresh is reported, not retried again.
    const twice = liveRepo();
    fake.validAccessTokens.delete(twice.access);
    fake.script(ROUTE, json(401, { detail: 'Unauthorized' }), json(401, { detail: 'Unauthorized' }));
    const r3 = await runCli(['test', 'chatgpt'], { cwd: twice.dir, env: fake.env() });
    expect(completionLine(r3.stdout)).toBe('chatgpt.subscription-oauth.completion: fail - HTTP 401: {"detail":"Unauthorized"}');
    expectNoTokens(r3, fake);
  });

  it('sends no ChatGPT-Account-Id when the id token lacks the claim', async () => {
    fake.withAccountClaim = false;
    try {
      const { dir } = liveRepo();
      const start = fake.requests.length;
      const r = await runCli(['test', 'chatgpt'], { cwd: dir, env: fake.env() });
      expect(completionLine(r.stdout)).toBe(PASS);
      expect(fake.requests[start]!.headers['chatgpt-account-id']).toBeUndefined();
      expect(storedRecord(dir + '/.env').account_id).toBeNull();
    } finally {
      fake.withAccountClaim = true;
    }
  });

  it('picks the model: metadata, then LITELLM_CHATGPT_MODEL, then the default; chatgpt/ and responses/ dropped', async () => {
    const { dir } = liveRepo({ meta: ['# model=chatgpt/responses/gpt-5.4'] });
    const start = fake.requests.length;
    const r = await runCli(['test', 'chatgpt'], { cwd: dir, env: fake.env() });
    expect(completionLine(r.stdout)).toBe('chatgpt.subscription-oauth.completion: pass - model=gpt-5.4');
    expect((fake.requests[start]!.body as { model: string }).model).toBe('gpt-5.4');
    const plain = liveRepo();
    const r2 = await runCli(['test', 'chatgpt'], { cwd: plain.dir, env: fake.env({ LITELLM_CHATGPT_MODEL: 'chatgpt/gpt-5.3' }) });
    expect(completionLine(r2.stdout)).toBe('chatgpt.subscription-oauth.completion: pass - model=gpt-5.3');
    const r3 = await runCli(['test', 'chatgpt', '--model', 'gpt-x'], {
      cwd: plain.dir,
      env: fake.env({ LITELLM_CHATGPT_MODEL: 'gpt-5.3' }),
    });
    expect(completionLine(r3.stdout)).toBe('chatgpt.subscription-oauth.completion: pass - model=gpt-x');
  });

  it('without tokens says to log in, and sends nothing; a hanging backend times out', async () => {
    const { dir } = chatgptRepo(`${HEADER}\n\n${managedBlock('{}', ['# live_backend=true'])}\n`);
    const start = fake.requests.length;
    const r = await runCli(['test', 'chatgpt'], { cwd: dir, env: fake.env() });
    expect(completionLine(r.stdout)).toBe('chatgpt.subscription-oauth.completion: fail - run `llm-auth login`');
    expect(fake.requests.length).toBe(start);
    const live = liveRepo();
    fake.script(ROUTE, { status: 200, hang: true });
    const hung = await runCli(['test', 'chatgpt', '--timeout', '0.5'], { cwd: live.dir, env: fake.env() });
    expect(completionLine(hung.stdout)).toBe('chatgpt.subscription-oauth.completion: fail - request timed out after 0.5s');
  });

  it('after a reused refresh token revoked the whole family, says to log in again', async () => {
    fake.familyRevocation = true;
    try {
      const { dir, store } = liveRepo();
      const stale = fake.issue();
      // Someone replays a spent refresh token: the issuer revokes every token of the login.
      fake.usedRefreshTokens.add(stale.refresh);
      const replay = await fetch(`${fake.issuer}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_id: 'app_EMoamEEZ73f0CkXaXp7hrann',
          grant_type: 'refresh_token',
          refresh_token: stale.refresh,
          scope: 'openid profile email',
        }),
      });
      expect(replay.status).toBe(401);
      const before = storedRecord(store);
      const r = await runCli(['test', 'chatgpt'], { cwd: dir, env: fake.env() });
      expect(completionLine(r.stdout)).toBe(
        'chatgpt.subscription-oauth.completion: fail - refresh token rejected (refresh_token_invalidated); run `llm-auth login`',
      );
      expect(storedRecord(store)).toEqual(before);
    } finally {
      fake.familyRevocation = false;
    }
  });

  it('reports a refresh failure as the detail', async () => {
    const { dir } = liveRepo({ exp: Math.floor(Date.now() / 1000) - 5 });
    fake.script('POST /oauth/token', json(500, { error: 'temporary-failure' }));
    const r = await runCli(['test', 'chatgpt'], { cwd: dir, env: fake.env() });
    expect(completionLine(r.stdout)).toBe(
      'chatgpt.subscription-oauth.completion: fail - refresh failed: HTTP 500: {"error":"temporary-failure"}; tokens kept, retry later',
    );
  });
});

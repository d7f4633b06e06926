// `llm-auth login` for ChatGPT against the loopback issuer (chatgpt-oauth.md §5).
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin, runCli } from '../helpers/cli.js';
import { FakeClock } from '../helpers/runtime.js';
import { chatgptRepo, expectNoTokens, HEADER, managedBlock, recordJson, storedRecord } from '../helpers/chatgpt.js';
import { mode, writeStore } from '../helpers/fs.js';
import { ACCOUNT_ID, FakeChatGPT } from '../fakes/chatgpt.js';
import { json } from '../fakes/http.js';

let fake: FakeChatGPT;
beforeAll(async () => {
  fake = await new FakeChatGPT().start();
});
afterAll(async () => {
  await fake.close();
});

const FOUR_LINES = (issuer: string): string =>
  [
    'Sign in with ChatGPT using device code:',
    `1) Visit ${issuer}/codex/device`,
    '2) Enter code: ABCD-EFGH',
    'Device codes are a common phishing target. Never share this code.',
    '',
  ].join('\n');

const routes = (from: number): string[] => fake.requests.slice(from).map((q) => `${q.method} ${q.path}`);

describe('login: device-code flow', () => {
  it('signs in after 403 and 404 polls and writes the exact record and block, mode 0600', async () => {
    fake.deviceCodes.delete('dev-1');
    const { dir, store } = chatgptRepo();
    fake.script('POST /api/accounts/deviceauth/token', json(403, { error: 'pending' }), json(404, { error: 'pending' }));
    // The user approves right away; the two scripted answers still come first.
    fake.deviceCodes.set('dev-1', { userCode: 'ABCD-EFGH', approved: true });
    const start = fake.requests.length;
    const r = await runCli(['login'], { cwd: dir, env: fake.env() });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(FOUR_LINES(fake.issuer) + 'ok\n');
    expect(r.code).toBe(0);
    expect(routes(start)).toEqual([
      'POST /api/accounts/deviceauth/usercode',
      'POST /api/accounts/deviceauth/token',
      'POST /api/accounts/deviceauth/token',
      'POST /api/accounts/deviceauth/token',
      'POST /oauth/token',
    ]);
    const sent = fake.requests.slice(start);
    expect(sent[0]!.rawBody).toBe('{"client_id":"app_EMoamEEZ73f0CkXaXp7hrann"}');
    expect(sent[1]!.rawBody).toBe('{"device_auth_id":"dev-1","user_code":"ABCD-EFGH"}');
    for (const q of sent) {
      expect(q.headers.accept).toBe('application/json');
      expect(q.headers['user-agent']).toMatch(/^llm-auth\/\d+\.\d+\.\d+$/);
      expect(q.headers.cookie).toBeUndefined();
    }
    const exchange = sent[4]!;
    expect(exchange.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(exchange.rawBody);
    expect([...form.keys()]).toEqual(['grant_type', 'code', 'redirect_uri', 'client_id', 'code_verifier']);
    expect(form.get('redirect_uri')).toBe(`${fake.issuer}/deviceauth/callback`);
    expect(exchange.rawBody).toContain(`redirect_uri=${encodeURIComponent(`${fake.issuer}/deviceauth/callback`)}`);
    // The record: the family just issued, five keys, sorted, compact, single-quoted in the managed block.
    const access = fake.issued.at(-3)!;
    const refresh = fake.issued.at(-2)!;
    const id = fake.issued.at(-1)!;
    const exp = (JSON.parse(Buffer.from(access.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp;
    const text = fs.readFileSync(store, 'utf8');
    const synced = /LITELLM_CHATGPT_AUTH_SYNCED_AT=(\S+)/.exec(text)![1]!;
    expect(text).toBe(`${HEADER}\n\n${managedBlock(recordJson({ access, refresh, id, exp }, ACCOUNT_ID), [], synced)}\n`);
    expect(synced).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(mode(store)).toBe('600');
    expectNoTokens(r, fake);
    // status agrees.
    const status = JSON.parse((await runCli(['status'], { cwd: dir })).stdout) as { chatgpt: Record<string, unknown> };
    expect(status.chatgpt).toMatchObject({
      access_token: true,
      account_id: true,
      refresh_token: true,
      expired: false,
      expires_at: exp,
    });
    expect(status.chatgpt.expires_in).toMatch(/^(59m \d+s|1h 0m)$/);
  });

  it('prints ok and sends nothing when the access token is still valid', async () => {
    const f = fake.issue();
    const { dir } = chatgptRepo(`${HEADER}\n\n${managedBlock(recordJson(f))}\n`);
    const start = fake.requests.length;
    const r = await runCli(['login', 'chatgpt'], { cwd: dir, env: fake.env() });
    expect(r).toMatchObject({ code: 0, stdout: 'ok\n', stderr: '' });
    expect(fake.requests.length).toBe(start);
  });

  it('refreshes an expired token instead of starting the device flow', async () => {
    const f = fake.issue({ exp: Math.floor(Date.now() / 1000) - 10 });
    const { dir, store } = chatgptRepo(`${HEADER}\n\n${managedBlock(recordJson(f))}\n`);
    const start = fake.requests.length;
    const r = await runCli(['login'], { cwd: dir, env: fake.env() });
    expect(r).toMatchObject({ code: 0, stdout: 'ok\n', stderr: '' });
    expect(routes(start)).toEqual(['POST /oauth/token']);
    expect(fake.requests.at(-1)!.rawBody).toBe(
      `{"client_id":"app_EMoamEEZ73f0CkXaXp7hrann","grant_type":"refresh_token","refresh_token":"${f.refresh}","scope":"openid profile email"}`,
    );
    expect(storedRecord(store).refresh_token).toBe(fake.issued.at(-2));
    expectNoTokens(r, fake);
  });

  it('treats a JWT without exp as expired, and falls through to the device flow when the refresh is rejected', async () => {
    const f = fake.issue({ withExp: false });
    fake.validRefreshTokens.delete(f.refresh); // revoked
    const record = JSON.stringify({ access_token: f.access, refresh_token: f.refresh, id_token: f.id });
    const { dir, store } = chatgptRepo(`${HEADER}\n\n${managedBlock(record, ['# live_backend=true'])}\n`);
    fake.approve();
    const start = fake.requests.length;
    const r = await runCli(['login', '--timeout', '5'], { cwd: dir, env: fake.env() });
    expect(r.stdout).toBe(FOUR_LINES(fake.issuer) + 'ok\n');
    expect(routes(start)).toEqual([
      'POST /oauth/token',
      'POST /api/accounts/deviceauth/usercode',
      'POST /api/accounts/deviceauth/token',
      'POST /oauth/token',
    ]);
    expect(Object.keys(storedRecord(store))).toEqual(['access_token', 'account_id', 'expires_at', 'id_token', 'refresh_token']);
    // The user's extra metadata survives the rewrites.
    expect(fs.readFileSync(store, 'utf8')).toContain('# renew=true\n# live_backend=true\nCHATGPT_AUTH_JSON=');
    expectNoTokens(r, fake);
  });

  it('refuses during the cooldown without a request, and asks again once it is over', async () => {
    const requestedAt = Date.now() / 1000 - 13.2;
    const { dir, store } = chatgptRepo(
      `${HEADER}\n\n${managedBlock(JSON.stringify({ device_code_requested_at: requestedAt, extra: 'kept' }))}\n`,
    );
    const start = fake.requests.length;
    const r = await runCli(['login'], { cwd: dir, env: fake.env() });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: device-code cooldown active; retry in 28[4-7]s\n$/);
    expect(fake.requests.length).toBe(start);
    writeStore(
      store,
      `${HEADER}\n\n${managedBlock(JSON.stringify({ device_code_requested_at: String(Date.now() / 1000 - 301), extra: 'kept' }))}\n`,
    );
    // A login that runs out of time abandons its last poll, which a loaded machine may deliver late: an
    // issuer of its own keeps that request away from the scripted answers of the tests that follow.
    const lone = await new FakeChatGPT().start();
    try {
      const timedOut = await runCli(['login', '--timeout', '0.3'], { cwd: dir, env: lone.env() });
      expect(timedOut).toMatchObject({ code: 1, stdout: FOUR_LINES(lone.issuer), stderr: 'error: login timed out\n' });
    } finally {
      await lone.close();
    }
    // The login ended without tokens: its stamp is taken back (the old one returns), so a retry is not
    // refused by the cooldown.
    const record = storedRecord(store);
    expect(Object.keys(record)).toEqual(['device_code_requested_at', 'extra']);
    expect(typeof record.device_code_requested_at).toBe('string');
    fake.deviceCodes.set('dev-1', { userCode: 'ABCD-EFGH', approved: true });
    const retry = await runCli(['login'], { cwd: dir, env: fake.env() });
    expect(retry).toMatchObject({ code: 0, stdout: FOUR_LINES(fake.issuer) + 'ok\n' });
  });

  it('stops polling on denial, server errors and network errors with one line', async () => {
    const cases: Array<[() => void, string]> = [
      [
        () => fake.script('POST /api/accounts/deviceauth/token', json(400, { error: 'authorization_declined' })),
        'error: login polling failed: HTTP 400: {"error":"authorization_declined"}\n',
      ],
      [
        () => fake.script('POST /api/accounts/deviceauth/token', json(500, 'upstream <b>broke</b>')),
        'error: login polling failed: HTTP 500: upstream <b>broke</b>\n',
      ],
      [
        () => fake.script('POST /api/accounts/deviceauth/token', { status: 200, body: 'not json' }),
        'error: login polling failed: invalid JSON in response\n',
      ],
      [
        () => fake.script('POST /api/accounts/deviceauth/token', { status: 200, destroy: true }),
        `error: login polling failed: ECONNRESET: 127.0.0.1:${fake.port}\n`,
      ],
    ];
    for (const [arrange, stderr] of cases) {
      fake.deviceCodes.delete('dev-1');
      const { dir, store } = chatgptRepo();
      arrange();
      const r = await runCli(['login'], { cwd: dir, env: fake.env() });
      expect(r).toMatchObject({ code: 1, stdout: FOUR_LINES(fake.issuer), stderr });
      // No tokens: the cooldown stamp is taken back; the record that did not exist is left as `{}`.
      expect(storedRecord(store)).toEqual({});
    }
  });

  it('slows down by 5 s after a 429 and keeps polling; a 200 without the grant is pending', async () => {
    const { dir } = chatgptRepo();
    fake.script('POST /api/accounts/deviceauth/token', json(200, { authorization_code: 'x' }), json(429, { error: 'slow_down' }));
    // The user has approved; the two scripted answers still come first. Times are the command's fake clock.
    fake.deviceCodes.set('dev-1', { userCode: 'ABCD-EFGH', approved: true });
    const clock = new FakeClock();
    fake.now = clock.now;
    const start = fake.requests.length;
    const r = await runCli(['login', '--timeout', '20'], { cwd: dir, clock, env: fake.env() }).finally(() => {
      fake.now = () => performance.now();
    });
    expect(r).toMatchObject({ code: 0, stdout: FOUR_LINES(fake.issuer) + 'ok\n' });
    const polls = fake.requests.slice(start).filter((q) => q.path === '/api/accounts/deviceauth/token');
    expect(polls.length).toBe(3);
    // Interval "0" from the server, floor 0.05 s from LLM_AUTH_MIN_POLL_INTERVAL; +5 s after the 429.
    expect(polls[1]!.at - polls[0]!.at).toBeGreaterThanOrEqual(40);
    expect(polls[2]!.at - polls[1]!.at).toBeGreaterThanOrEqual(4900);
  });

  it('writes nothing more when the exchange fails', async () => {
    const cases: Array<[() => void, string]> = [
      [
        () => fake.script('POST /oauth/token', json(400, { error: 'invalid_grant' })),
        'error: token exchange failed: HTTP 400: {"error":"invalid_grant"}\n',
      ],
      [
        () =>
          fake.script('POST /oauth/token', json(200, { access_token: 'eyJhbGciOi.x.y', refresh_token: 'rt_partial_0123456789' })),
        'error: token exchange failed: response missing access_token, refresh_token or id_token\n',
      ],
      [
        () =>
          fake.script('POST /oauth/token', {
            status: 403,
            headers: { 'content-type': 'text/html' },
            body: '<html>cf_chl</html>',
          }),
        'error: token exchange failed: HTTP 403: ChatGPT backend returned an HTML/Cloudflare challenge\n',
      ],
    ];
    for (const [arrange, stderr] of cases) {
      fake.deviceCodes.delete('dev-1');
      fake.approve();
      fake.deviceCodes.set('dev-1', { userCode: 'ABCD-EFGH', approved: true });
      const { dir, store } = chatgptRepo('FOO=bar\n');
      arrange();
      const r = await runCli(['login'], { cwd: dir, env: fake.env() });
      expect(r).toMatchObject({ code: 1, stdout: FOUR_LINES(fake.issuer), stderr });
      expect(storedRecord(store)).toEqual({});
      expect(fs.readFileSync(store, 'utf8')).not.toContain('rt_partial');
    }
  });

  it('reports device-code request failures, with a hint after a 404', async () => {
    const { dir, store } = chatgptRepo();
    const cases: Array<[unknown, string]> = [
      [
        json(404, { detail: 'Not Found' }),
        'error: failed to request device code: HTTP 404: {"detail":"Not Found"}\nhint: device code sign-in may be disabled; enable it in ChatGPT security settings or ask your workspace admin\n',
      ],
      [
        { status: 403, headers: { 'content-type': 'text/html' }, body: '<!DOCTYPE html><html>Just a moment</html>' },
        'error: failed to request device code: HTTP 403: ChatGPT backend returned an HTML/Cloudflare challenge\n',
      ],
      [
        json(200, { device_auth_id: 'dev-1' }),
        'error: failed to request device code: response missing device_auth_id or user_code\n',
      ],
      [{ status: 200, body: '<not json>' }, 'error: failed to request device code: invalid JSON in response\n'],
    ];
    for (const [reply, stderr] of cases) {
      fake.script('POST /api/accounts/deviceauth/usercode', reply as never);
      const r = await runCli(['login'], { cwd: dir, env: fake.env() });
      expect(r).toMatchObject({ code: 1, stdout: '', stderr });
    }
    // No cooldown was armed by a failed request.
    expect(fs.existsSync(store)).toBe(false);
  });

  it('accepts the usercode alias and a numeric interval', async () => {
    fake.deviceCodes.set('dev-1', { userCode: 'ABCD-EFGH', approved: true });
    fake.script(
      'POST /api/accounts/deviceauth/usercode',
      json(200, { device_auth_id: 'dev-1', usercode: 'ABCD-EFGH', interval: 0.01 }),
    );
    const { dir } = chatgptRepo();
    const r = await runCli(['login'], { cwd: dir, env: fake.env() });
    expect(r).toMatchObject({ code: 0, stdout: FOUR_LINES(fake.issuer) + 'ok\n' });
  });

  it('names an endpoint setting that is not a URL, with its value, before any request', async () => {
    const { dir } = chatgptRepo();
    for (const [name, value] of [
      ['LLM_AUTH_CHATGPT_ISSUER', 'not-a-url'],
      ['CHATGPT_API_BASE', 'ftp://x'],
    ] as const) {
      const start = fake.requests.length;
      const r = await runCli(['login'], { cwd: dir, env: fake.env({ [name]: value }) });
      expect(r).toMatchObject({ code: 1, stdout: '', stderr: `error: ${name} must be an http(s) URL, got '${value}'\n` });
      expect(fake.requests.length).toBe(start);
    }
  });

  it('validates LLM_AUTH_MIN_POLL_INTERVAL before any request or write', async () => {
    const { dir, store } = chatgptRepo();
    const start = fake.requests.length;
    const r = await runCli(['login'], { cwd: dir, env: fake.env({ LLM_AUTH_MIN_POLL_INTERVAL: '-1' }) });
    expect(r).toMatchObject({
      code: 1,
      stderr: "error: LLM_AUTH_MIN_POLL_INTERVAL must be a number of seconds >= 0, got '-1'\n",
    });
    expect(fake.requests.length).toBe(start);
    expect(fs.existsSync(store)).toBe(false);
  });

  it('Ctrl-C while polling: exit 130, error: interrupted, the cooldown stamp taken back, no temporary file', async () => {
    fake.deviceCodes.delete('dev-1');
    const { dir, store } = chatgptRepo('A=1\n');
    const r = await runBin(['login'], {
      cwd: dir,
      env: fake.env(),
      onSpawn: (child) => {
        child.stdout?.on('data', (s: Buffer) => {
          if (s.toString().includes('Never share')) setTimeout(() => child.kill('SIGINT'), 200);
        });
      },
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toBe('error: interrupted\n');
    expect(r.stdout).toBe(FOUR_LINES(fake.issuer));
    expect(storedRecord(store)).toEqual({});
    expect(fs.readdirSync(dir).sort()).toEqual(['.env', '.git', '.gitignore']);
  });

  it('migrates a legacy block when it writes the record', async () => {
    const f = fake.issue({ exp: Math.floor(Date.now() / 1000) - 100 });
    const legacy = `FOO=bar\n\n# BEGIN CODEX OAUTH (managed by tools/codex_oauth_env.py)\nCHATGPT_AUTH_JSON='${JSON.stringify({ refresh_token: f.refresh, access_token: f.access })}'\n# END CODEX OAUTH\nBAZ=2\n`;
    const { dir, store } = chatgptRepo(legacy);
    const r = await runCli(['login'], { cwd: dir, env: fake.env() });
    expect(r).toMatchObject({ code: 0, stdout: 'ok\n' });
    const text = fs.readFileSync(store, 'utf8');
    expect(
      text.startsWith(
        `${HEADER}\n\nFOO=bar\n\nBAZ=2\n\n# BEGIN LLM AUTH SURFACE chatgpt subscription-oauth (managed by llm-auth)\n`,
      ),
    ).toBe(true);
    expect(text).not.toContain('CODEX OAUTH');
  });
});

describe('login: surface resolution', () => {
  it('applies the rules of core.md §12.1', async () => {
    const env = (name: string, auth: string, lines: string[] = []): string =>
      [`# BEGIN LLM AUTH SURFACE ${name} ${auth}`, ...lines, `# END LLM AUTH SURFACE ${name} ${auth}`, ''].join('\n');
    const { dir } = chatgptRepo(
      env('research', 'api-key', ['# env=K', 'K=x']) +
        env('work', 'subscription-oauth', ['# env=CHATGPT_AUTH_JSON']) +
        env('corp', 'gateway-key'),
    );
    expect(await runCli(['login'], { cwd: dir, env: fake.env() })).toMatchObject({
      code: 2,
      stderr: 'error: multiple login-capable surfaces; choose one: work, corp\n',
    });
    expect(await runCli(['login', 'research'], { cwd: dir, env: fake.env() })).toMatchObject({
      code: 2,
      stderr: "error: surface 'research' does not support login\n",
    });
    expect(await runCli(['login', 'nope'], { cwd: dir, env: fake.env() })).toMatchObject({
      code: 2,
      stderr: "error: unknown auth surface 'nope'; available: research, work, corp\n",
    });
    expect(await runCli(['login', 'work', '--with-token'], { cwd: dir, env: fake.env() })).toMatchObject({
      code: 2,
      stderr: 'error: --with-token applies only to gateway-key surfaces\n',
    });
    expect(await runCli(['login', 'work', '--timeout', 'x'], { cwd: dir, env: fake.env() })).toMatchObject({
      code: 2,
      stderr: "error: --timeout must be a positive number of seconds, got 'x'\n",
    });
    const f = fake.issue();
    const ok = await runCli(['login', 'chatgpt'], { cwd: dir, env: fake.env({ CHATGPT_AUTH_JSON: recordJson(f) }) });
    expect(ok).toMatchObject({
      code: 0,
      stdout: 'ok\n',
      stderr: `warning: CHATGPT_AUTH_JSON from the environment shadows ${dir}/.env\n`,
    });
  });

  it('runs all four safety checks first, even for a store that does not exist yet', async () => {
    const { dir } = chatgptRepo();
    fs.writeFileSync(`${dir}/.gitignore`, '');
    const start = fake.requests.length;
    expect(await runCli(['login'], { cwd: dir, env: fake.env() })).toMatchObject({
      code: 1,
      stderr: `error: ${dir}/.env is not ignored by git; add /.env to .gitignore\n`,
    });
    expect(fake.requests.length).toBe(start);
  });
});

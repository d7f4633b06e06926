// `llm-auth renew` and the single-flight refresh protocol (chatgpt-oauth.md §6, §7).
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin, runCli } from '../helpers/cli.js';
import { FakeClock } from '../helpers/runtime.js';
import { chatgptRepo, expectNoTokens, HEADER, managedBlock, recordJson, storedRecord } from '../helpers/chatgpt.js';
import { writeStore } from '../helpers/fs.js';
import { FakeChatGPT, REUSED_BODY } from '../fakes/chatgpt.js';
import { closedPort, json } from '../fakes/http.js';

let fake: FakeChatGPT;
beforeAll(async () => {
  fake = await new FakeChatGPT().start();
});
afterAll(async () => {
  await fake.close();
});

const refreshes = (from: number): Array<{ refresh_token: string }> =>
  fake.requests
    .slice(from)
    .filter((q) => q.path === '/oauth/token')
    .map((q) => q.body as { refresh_token: string });

function loggedIn(extra = ''): { dir: string; store: string; refresh: string } {
  const f = fake.issue();
  const { dir, store } = chatgptRepo(`${HEADER}\n\n${extra}${managedBlock(recordJson(f))}\n`);
  return { dir, store, refresh: f.refresh };
}

describe('renew', () => {
  it('three renews in a row each send the token of the previous reply', async () => {
    const { dir, store, refresh } = loggedIn();
    const start = fake.requests.length;
    let expected = refresh;
    for (let i = 0; i < 3; i++) {
      const r = await runCli(['renew'], { cwd: dir, env: fake.env() });
      expect(r).toMatchObject({ code: 0, stdout: 'chatgpt.renew: pass\n', stderr: '' });
      expectNoTokens(r, fake);
      const stored = storedRecord(store).refresh_token as string;
      expect(stored).not.toBe(expected);
      expected = stored;
    }
    const sent = refreshes(start).map((b) => b.refresh_token);
    expect(sent[0]).toBe(refresh);
    expect(new Set(sent).size).toBe(3);
    expect(sent[2]).not.toBe(expected);
    expect(fake.usedRefreshTokens.has(sent[2]!)).toBe(true);
  });

  it('32 renew processes started together make exactly one refresh request, and all pass', async () => {
    const { dir, store, refresh } = loggedIn();
    fake.refreshDelayMs = 1000;
    // The refreshed token is issued "now": a process that starts late, after the refresh was written,
    // sees a token refreshed within the last minute and adopts it (§6.2) instead of refreshing again.
    fake.iatOffset = 0;
    const start = fake.requests.length;
    try {
      const results = await Promise.all(Array.from({ length: 32 }, () => runBin(['renew'], { cwd: dir, env: fake.env() })));
      for (const r of results) {
        expect(r.stdout).toBe('chatgpt.renew: pass\n');
        expect(r.code).toBe(0);
        expect(r.stderr).toMatch(/^(warning: waiting for .*\.env\.lock \(held by pid \d+\)\n)?$/);
      }
      const sent = refreshes(start);
      expect(sent.map((b) => b.refresh_token)).toEqual([refresh]);
      expect(storedRecord(store).refresh_token).toBe(fake.issued.at(-2));
    } finally {
      fake.refreshDelayMs = 0;
      fake.iatOffset = -120;
    }
  });

  it('adopts a login or refresh made within the last minute (iat), unless --force', async () => {
    fake.iatOffset = 0;
    try {
      const { dir, store, refresh } = loggedIn();
      const start = fake.requests.length;
      // The token was issued just now (a login a moment ago): nothing to do.
      expect((await runCli(['renew'], { cwd: dir, env: fake.env() })).stdout).toBe('chatgpt.renew: pass\n');
      expect(refreshes(start)).toHaveLength(0);
      expect(storedRecord(store).refresh_token).toBe(refresh);
      expect((await runCli(['renew', '--force'], { cwd: dir, env: fake.env() })).stdout).toBe('chatgpt.renew: pass\n');
      expect(refreshes(start)).toHaveLength(1);
      const after = storedRecord(store).refresh_token;
      expect(after).not.toBe(refresh);
      expect((await runCli(['renew', 'chatgpt'], { cwd: dir, env: fake.env() })).stdout).toBe('chatgpt.renew: pass\n');
      expect(refreshes(start)).toHaveLength(1);
      expect(storedRecord(store).refresh_token).toBe(after);
    } finally {
      fake.iatOffset = -120;
    }
  });

  it('without iat, uses the block sync time for the one-minute rule', async () => {
    const f = fake.issue();
    const record = JSON.stringify({
      access_token: `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify({ exp: f.exp })).toString('base64url')}.x`,
      refresh_token: f.refresh,
    });
    const now = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    const { dir } = chatgptRepo(`${HEADER}\n\n${managedBlock(record, [], now)}\n`);
    const start = fake.requests.length;
    expect((await runCli(['renew'], { cwd: dir, env: fake.env() })).stdout).toBe('chatgpt.renew: pass\n');
    expect(refreshes(start)).toHaveLength(0);
    const { dir: old } = chatgptRepo(`${HEADER}\n\n${managedBlock(record, [], '2026-01-01T00:00:00Z')}\n`);
    expect((await runCli(['renew'], { cwd: old, env: fake.env() })).stdout).toBe('chatgpt.renew: pass\n');
    expect(refreshes(start)).toHaveLength(1);
  });

  it('reports permanent failures, keeps the record, and says to log in', async () => {
    const cases: Array<[unknown, string]> = [
      [json(401, REUSED_BODY), 'refresh token rejected (refresh_token_reused); run `llm-auth login`'],
      [
        json(401, { error: { code: 'refresh_token_expired', message: 'expired' } }),
        'refresh token rejected (refresh_token_expired); run `llm-auth login`',
      ],
      [json(400, { error: 'invalid_grant' }), 'refresh token rejected (invalid_grant); run `llm-auth login`'],
      [
        json(400, { code: 'refresh_token_invalidated' }),
        'refresh token rejected (refresh_token_invalidated); run `llm-auth login`',
      ],
      [json(401, { detail: 'nope' }), 'refresh token rejected (HTTP 401); run `llm-auth login`'],
    ];
    for (const [reply, detail] of cases) {
      const { dir, store } = loggedIn();
      const before = fs.readFileSync(store, 'utf8');
      fake.script('POST /oauth/token', reply as never);
      const r = await runCli(['renew'], { cwd: dir, env: fake.env() });
      expect(r).toMatchObject({ code: 1, stdout: `chatgpt.renew: fail - ${detail}\n`, stderr: '' });
      expect(fs.readFileSync(store, 'utf8')).toBe(before);
    }
  });

  it('a reused token is rejected with the real 401 body', async () => {
    const { dir, store, refresh } = loggedIn();
    const old = fs.readFileSync(store, 'utf8');
    expect((await runCli(['renew'], { cwd: dir, env: fake.env() })).code).toBe(0);
    writeStore(store, old); // put the spent token back
    const r = await runCli(['renew'], { cwd: dir, env: fake.env() });
    expect(r.stdout).toBe('chatgpt.renew: fail - refresh token rejected (refresh_token_reused); run `llm-auth login`\n');
    expect(fake.usedRefreshTokens.has(refresh)).toBe(true);
  });

  it('adopts the token of a peer that rotated it without the lock, instead of failing', async () => {
    const { dir, store } = loggedIn();
    const peer = fake.issue();
    fake.script('POST /oauth/token', { ...json(401, REUSED_BODY), delayMs: 300 });
    // While our request is in flight, a peer that ignores the lock writes its new token.
    const original = fake.requests.length;
    const watcher = setInterval(() => {
      if (fake.requests.length > original && fs.readFileSync(store, 'utf8').includes(recordJson(peer)) === false) {
        writeStore(store, `${HEADER}\n\n${managedBlock(recordJson(peer))}\n`);
      }
    }, 1);
    try {
      const r = await runCli(['renew'], { cwd: dir, env: fake.env() });
      expect(r).toMatchObject({ code: 0, stdout: 'chatgpt.renew: pass\n' });
      expect(storedRecord(store).refresh_token).toBe(peer.refresh);
    } finally {
      clearInterval(watcher);
    }
  });

  it('keeps the tokens on transient failures and says to retry', async () => {
    const { dir, store } = loggedIn();
    const before = fs.readFileSync(store, 'utf8');
    fake.script('POST /oauth/token', json(500, { error: 'temporary-failure' }));
    const r = await runCli(['renew'], { cwd: dir, env: fake.env() });
    expect(r).toMatchObject({
      code: 1,
      stdout: 'chatgpt.renew: fail - refresh failed: HTTP 500: {"error":"temporary-failure"}; tokens kept, retry later\n',
    });
    fake.script('POST /oauth/token', { status: 200, destroy: true });
    const reset = await runCli(['renew'], { cwd: dir, env: fake.env() });
    expect(reset.stdout).toBe(
      `chatgpt.renew: fail - refresh failed: ECONNRESET: 127.0.0.1:${fake.port}; tokens kept, retry later\n`,
    );
    expect(fs.readFileSync(store, 'utf8')).toBe(before);
  });

  it('retries a connection that was never made twice (after 1 s and 2 s), then reports it', async () => {
    const port = await closedPort();
    const { dir } = loggedIn();
    const clock = new FakeClock();
    const r = await runCli(['renew'], {
      cwd: dir,
      clock,
      env: fake.env({ LLM_AUTH_CHATGPT_ISSUER: `http://127.0.0.1:${port}` }),
    });
    expect(r.stdout).toBe(`chatgpt.renew: fail - refresh failed: ECONNREFUSED: 127.0.0.1:${port}; tokens kept, retry later\n`);
    // The waits, on the command's (fake) clock: 1 s, then 2 s.
    expect(clock.sleeps).toEqual([1000, 2000]);
  });

  it('keeps the old refresh token when the reply has none, and the old id token too', async () => {
    const { dir, store, refresh } = loggedIn();
    const idBefore = storedRecord(store).id_token;
    const f = fake.issue();
    fake.script('POST /oauth/token', json(200, { access_token: f.access }));
    expect((await runCli(['renew'], { cwd: dir, env: fake.env() })).stdout).toBe('chatgpt.renew: pass\n');
    const record = storedRecord(store);
    expect(record.refresh_token).toBe(refresh);
    expect(record.id_token).toBe(idBefore);
    expect(record.access_token).toBe(f.access);
    expect(record.expires_at).toBe(f.exp);
  });

  it('stores a rotated refresh token even when the reply lacks access_token', async () => {
    const { dir, store } = loggedIn();
    fake.script('POST /oauth/token', json(200, { refresh_token: 'rt_rotated_without_access_0001' }));
    const r = await runCli(['renew'], { cwd: dir, env: fake.env() });
    expect(r).toMatchObject({ code: 1, stdout: 'chatgpt.renew: fail - refresh response missing access_token\n' });
    expect(storedRecord(store).refresh_token).toBe('rt_rotated_without_access_0001');
  });

  it('selects surfaces as core.md §12.2 says', async () => {
    const { dir } = chatgptRepo(
      '# BEGIN LLM AUTH SURFACE research api-key\n# env=K\n# renew=TRUE\nK=x\n# END LLM AUTH SURFACE research api-key\n' +
        '# BEGIN LLM AUTH SURFACE custom weird\n# END LLM AUTH SURFACE custom weird\n',
    );
    expect(await runCli(['renew'], { cwd: dir, env: fake.env() })).toMatchObject({
      code: 1,
      stdout: 'research.renew: fail - no renew handler for this auth mode\n',
    });
    expect(await runCli(['renew', 'custom'], { cwd: dir, env: fake.env() })).toMatchObject({
      code: 1,
      stdout: 'custom.renew: fail - no renew handler for this auth mode\n',
    });
    expect(await runCli(['renew', 'nope'], { cwd: dir, env: fake.env() })).toMatchObject({
      code: 2,
      stderr: "error: unknown auth surface 'nope'; available: research, custom\n",
    });
    expect(await runCli(['renew', 'chatgpt'], { cwd: dir, env: fake.env() })).toMatchObject({ code: 2 });
    expect(await runCli(['renew', 'chatgpt'], { cwd: dir, env: fake.env({ CHATGPT_AUTH_JSON: '[1]' }) })).toMatchObject({
      code: 1,
      stderr:
        'error: CHATGPT_AUTH_JSON did not contain a JSON object\nhint: the value is in the environment (CHATGPT_AUTH_JSON)\n',
    });
    expect(await runCli(['renew', 'chatgpt'], { cwd: dir, env: fake.env({ CHATGPT_AUTH_JSON: '{}' }) })).toMatchObject({
      code: 1,
      stdout: 'chatgpt.renew: fail - refresh_token is missing\n',
      stderr: `warning: CHATGPT_AUTH_JSON from the environment shadows ${dir}/.env\n`,
    });
    const empty = chatgptRepo('A=1\n');
    expect(await runCli(['renew'], { cwd: empty.dir, env: fake.env() })).toMatchObject({
      code: 1,
      stderr: 'error: no renewable auth surfaces found\n',
    });
  });

  it('renews the default surface from the environment, writing the managed block to the file', async () => {
    const f = fake.issue();
    const { dir, store } = chatgptRepo('A=1\n');
    const r = await runCli(['renew', 'chatgpt'], { cwd: dir, env: fake.env({ CHATGPT_AUTH_JSON: recordJson(f) }) });
    expect(r.stdout).toBe('chatgpt.renew: pass\n');
    expect(storedRecord(store).refresh_token).toBe(fake.issued.at(-2));
  });
});

// `llm-auth renew` for gateway-key surfaces (gateway.md §10) against the loopback portal and gateway of §14.
// In process with a fake clock (verification waits, `renewed_at`), and as 32 parallel processes.
import * as fs from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runBin, runCli } from '../helpers/cli.js';
import { FakeClock } from '../helpers/runtime.js';
import { gatewayBlock, gatewayRepo, storedMetadata, storedValue } from '../helpers/gateway.js';
import { closedPort, json } from '../fakes/http.js';
import { BUDGET_BODY, FakeGateway, GET_KEY, html, MODELS, POST_KEY } from '../fakes/gateway.js';
import { FakeChatGPT } from '../fakes/chatgpt.js';
import { managedBlock, recordJson } from '../helpers/chatgpt.js';

const KEY = 'LLM_AUTH_CORP_GATEWAY_KEY';
const SESSION = 'LLM_AUTH_CORP_PORTAL_SESSION';

let fake: FakeGateway;
let clock: FakeClock;
beforeAll(async () => {
  fake = await new FakeGateway().start();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  clock = new FakeClock(Date.UTC(2026, 11, 2, 12, 0, 0));
  fake.reset(clock);
});

/** A store whose key the gateway treats as `state`, with a live portal session. */
function setUp(state: 'valid' | 'expired' | 'unknown' | 'blank', o: { extra?: string[]; session?: string } = {}) {
  // An expired or unknown key is still the one the portal holds: only the gateway has stopped accepting it.
  const key = state === 'valid' ? fake.setKey() : state === 'blank' ? '' : fake.staleKey(state);
  if (state === 'expired' || state === 'unknown') fake.currentKey = key;
  const session = o.session ?? fake.session();
  const { dir, store } = gatewayRepo(gatewayBlock(fake, { key, session, ...(o.extra && { extra: o.extra }) }));
  return { dir, store, key, session, before: fs.readFileSync(store, 'utf8') };
}

const renew = (dir: string, args: string[] = [], env: Record<string, string> = {}) =>
  runCli(['renew', ...args], { cwd: dir, clock, env });

const countFrom = (route: string, from: number): number =>
  fake.requests.slice(from).filter((r) => `${r.method} ${r.path}` === route).length;

describe('renew: probe first', () => {
  it('a valid key costs one GET at the gateway: no POST, no write', async () => {
    const { dir, store, before } = setUp('valid');
    const start = fake.requests.length;
    const r = await renew(dir, ['corp']);
    expect(r).toMatchObject({ code: 0, stdout: 'corp.renew: pass - key still valid\n', stderr: '' });
    expect(fake.requests.slice(start).map((q) => `${q.method} ${q.path}`)).toEqual([MODELS]);
    expect(fs.readFileSync(store, 'utf8')).toBe(before);
  });

  it('sends the gateway request as §4 says: bearer key, JSON accept, our user agent, no body', async () => {
    const { dir, key } = setUp('valid');
    const start = fake.requests.length;
    await renew(dir);
    const probe = fake.requests[start]!;
    expect(probe.headers.authorization).toBe(`Bearer ${key}`);
    expect(probe.headers.accept).toBe('application/json');
    expect(probe.headers['user-agent']).toMatch(/^llm-auth\/\d+\.\d+\.\d+/);
    expect(probe.rawBody).toBe('');
  });

  for (const [label, status] of [
    ['400', 400],
    ['401', 401],
  ] as const) {
    it(`an expired key (HTTP ${label}) is renewed with one POST; the new key and renewed_at are stored`, async () => {
      fake.expiredStatus = status;
      const { dir, store, key, session } = setUp('expired');
      const start = fake.requests.length;
      const r = await renew(dir, ['corp']);
      expect(r).toMatchObject({ code: 0, stdout: 'corp.renew: pass - renewed\n', stderr: '' });
      expect(countFrom(POST_KEY, start)).toBe(1);
      const post = fake.posts.at(-1)!;
      expect(post.headers.authorization).toBe(`Bearer ${session}`);
      expect(post.headers['content-type']).toBe('application/json');
      expect(post.rawBody).toBe('{}');
      const stored = storedValue(store, KEY)!;
      expect(stored).toBe(fake.currentKey);
      expect(stored).not.toBe(key);
      expect(storedMetadata(store).renewed_at).toBe('2026-12-02T12:00:00Z');
      expect(storedMetadata(store).expires_at).toBeUndefined();
      expect(storedValue(store, SESSION)).toBe(session);
      expect(fs.statSync(store).mode & 0o777).toBe(0o600);
      // Client variables are handed to clients, never written to the store.
      expect(fs.readFileSync(store, 'utf8')).not.toMatch(/^(ANTHROPIC_|OPENAI_|GEMINI_|GOOGLE_|LLM_GATEWAY_)/m);
    });
  }

  it('an unknown key (401 auth_error) is renewed too', async () => {
    const { dir, store } = setUp('unknown');
    const r = await renew(dir);
    expect(r.stdout).toBe('corp.renew: pass - renewed\n');
    expect(storedValue(store, KEY)).toBe(fake.currentKey);
  });

  it('a blank key skips the probe and mints one; lifetime sets expires_at', async () => {
    const { dir, store } = setUp('blank', { extra: ['# lifetime=12h'] });
    const start = fake.requests.length;
    const r = await renew(dir);
    expect(r).toMatchObject({ code: 0, stdout: 'corp.renew: pass - renewed\n' });
    // No probe before the POST; the POST, then the verification probe.
    expect(fake.requests.slice(start).map((q) => `${q.method} ${q.path}`)).toEqual([POST_KEY, MODELS]);
    expect(storedMetadata(store).expires_at).toBe('2026-12-03T00:00:00Z');
  });

  it('--force renews a valid key without probing it first', async () => {
    const { dir, store, key } = setUp('valid');
    const start = fake.requests.length;
    const r = await renew(dir, ['corp', '--force']);
    expect(r.stdout).toBe('corp.renew: pass - renewed\n');
    expect(fake.requests.slice(start).map((q) => `${q.method} ${q.path}`)).toEqual([POST_KEY, MODELS]);
    expect(storedValue(store, KEY)).not.toBe(key);
  });

  it('renews a valid key inside renew_before of a known expiry, and not outside it', async () => {
    const inside = setUp('valid', { extra: ['# expires_at=2026-12-02T12:10:00Z'] });
    expect((await renew(inside.dir)).stdout).toBe('corp.renew: pass - renewed\n');
    const outside = setUp('valid', { extra: ['# expires_at=2026-12-02T12:20:00Z'] });
    const start = fake.requests.length;
    expect((await renew(outside.dir)).stdout).toBe('corp.renew: pass - key still valid\n');
    expect(countFrom(POST_KEY, start)).toBe(0);
  });

  const noPost: Array<[string, () => void, string]> = [
    [
      'over budget',
      () => fake.script(MODELS, json(400, BUDGET_BODY)),
      'corp.renew: fail - over-budget: Budget has been exceeded! Current cost: 10.2, Max budget: 10.0; renewing will not help',
    ],
    [
      'forbidden',
      () => fake.script(MODELS, json(403, { error: { message: 'key not allowed to access model' } })),
      'corp.renew: fail - forbidden: the key may not use /models (HTTP 403: key not allowed to access model)',
    ],
    [
      '404',
      () => fake.script(MODELS, json(404, { detail: 'Not Found' })),
      'corp.renew: fail - unexpected: HTTP 404 from 127.0.0.1:PORT; check api_base and probe_path',
    ],
    [
      '5xx',
      () => fake.script(MODELS, json(502, { error: { message: 'upstream down' } })),
      'corp.renew: fail - server-error: HTTP 502: upstream down',
    ],
    [
      'HTML',
      () => fake.script(MODELS, html(200)),
      'corp.renew: fail - unexpected: HTTP 200 from 127.0.0.1:PORT is not an API response; check api_base',
    ],
    [
      'a redirect',
      () => fake.script(MODELS, { status: 302, headers: { location: 'https://idp.example.com/login' } }),
      'corp.renew: fail - unexpected: HTTP 302 from 127.0.0.1:PORT is not an API response; check api_base',
    ],
  ];
  for (const [label, arrange, line] of noPost) {
    it(`${label} at the probe: fails without a POST or a write`, async () => {
      const { dir, store, before } = setUp('valid');
      arrange();
      const start = fake.requests.length;
      const r = await renew(dir);
      expect(r).toMatchObject({ code: 1, stdout: `${line.replace('PORT', String(fake.port))}\n`, stderr: '' });
      expect(countFrom(POST_KEY, start)).toBe(0);
      expect(fs.readFileSync(store, 'utf8')).toBe(before);
    });
  }

  it('rate limited (429) counts as valid', async () => {
    const { dir } = setUp('valid');
    fake.script(MODELS, json(429, { error: { message: 'slow down' } }));
    expect((await renew(dir)).stdout).toBe('corp.renew: pass - key still valid\n');
  });

  it('an unreachable gateway fails without a POST', async () => {
    const port = await closedPort();
    const { dir, store } = setUp('valid');
    fs.writeFileSync(store, fs.readFileSync(store, 'utf8').replace(fake.apiBase, `http://127.0.0.1:${port}/v1`));
    const start = fake.requests.length;
    const r = await renew(dir);
    expect(r).toMatchObject({ code: 1, stdout: `corp.renew: fail - unreachable: 127.0.0.1:${port}: ECONNREFUSED\n` });
    expect(countFrom(POST_KEY, start)).toBe(0);
  });
});

describe('renew: the session', () => {
  const rejected: Array<[string, () => void, number]> = [
    ['401', () => undefined, 401],
    [
      'a redirect to sign-in',
      () => fake.script(POST_KEY, { status: 302, headers: { location: 'https://idp.example.com/' } }),
      302,
    ],
    ['an HTML page with 200', () => fake.script(POST_KEY, html(200)), 200],
  ];
  for (const [label, arrange, status] of rejected) {
    it(`a session the portal rejects (${label}) fails with session-expired and writes nothing`, async () => {
      const stale = label === '401' ? 'not-a-known-session-token' : undefined;
      const { dir, store, before } = setUp('expired', stale ? { session: stale } : {});
      arrange();
      const r = await renew(dir);
      expect(r).toMatchObject({
        code: 1,
        stdout: `corp.renew: fail - session-expired: the portal rejected the session token (HTTP ${status}); run \`llm-auth login corp\`\n`,
      });
      expect(fs.readFileSync(store, 'utf8')).toBe(before);
    });
  }

  it('no session at all: says to log in', async () => {
    const { dir } = setUp('expired', { session: '' });
    expect((await renew(dir)).stdout).toBe('corp.renew: fail - no portal session; run `llm-auth login corp`\n');
  });

  it('a session JWT past its exp fails before any portal request', async () => {
    const { dir } = setUp('expired', { session: fake.session(-7200) });
    const start = fake.requests.length;
    const r = await renew(dir);
    expect(r.stdout).toBe(
      'corp.renew: fail - session-expired: the portal session expired 2h 0m ago; run `llm-auth login corp`\n',
    );
    expect(countFrom(POST_KEY, start)).toBe(0);
  });

  it('the session in the environment wins over the file', async () => {
    const { dir } = setUp('expired', { session: 'stale-file-session' });
    const live = fake.session();
    expect((await renew(dir, [], { [SESSION]: live })).stdout).toBe('corp.renew: pass - renewed\n');
    expect(fake.posts.at(-1)!.headers.authorization).toBe(`Bearer ${live}`);
  });
});

describe('renew: session_command', () => {
  it('with no stored session, renews with the token session_command printed and keeps that token', async () => {
    const session = fake.session();
    const { dir, store } = setUp('expired', { session: '', extra: [`# session_command=printf '%s\\n' ${session}`] });
    const r = await renew(dir);
    expect(r).toMatchObject({ code: 0, stdout: 'corp.renew: pass - renewed\n', stderr: '' });
    expect(fake.posts.at(-1)!.headers.authorization).toBe(`Bearer ${session}`);
    expect(storedValue(store, SESSION)).toBe(session);
  });

  it('a stored session the portal rejects (401): session_command runs once and the POST is retried once', async () => {
    const fresh = fake.session();
    const { dir, store } = setUp('expired', { session: 'revoked-session-token', extra: [`# session_command=echo ${fresh}`] });
    const start = fake.requests.length;
    const r = await renew(dir);
    expect(r.stdout).toBe('corp.renew: pass - renewed\n');
    expect(fake.requests.slice(start).map((q) => `${q.method} ${q.path}`)).toEqual([MODELS, POST_KEY, POST_KEY, MODELS]);
    expect(storedValue(store, SESSION)).toBe(fresh);
  });

  it('an expired session JWT is skipped in favour of session_command', async () => {
    const fresh = fake.session();
    const { dir } = setUp('expired', { session: fake.session(-60), extra: [`# session_command=echo ${fresh}`] });
    expect((await renew(dir)).stdout).toBe('corp.renew: pass - renewed\n');
    expect(fake.posts.at(-1)!.headers.authorization).toBe(`Bearer ${fresh}`);
  });

  it('a command that fails: its text, and nothing sent to the portal', async () => {
    const { dir, store, before } = setUp('expired', { session: '', extra: ['# session_command=exit 3'] });
    const start = fake.requests.length;
    expect((await renew(dir)).stdout).toBe('corp.renew: fail - session_command failed: exit 3\n');
    expect(countFrom(POST_KEY, start)).toBe(0);
    expect(fs.readFileSync(store, 'utf8')).toBe(before);
  });
});

describe('renew: the POST', () => {
  it('API keys disabled at the portal: a clear failure, nothing written', async () => {
    const { dir, store, before } = setUp('expired');
    fake.apiKeysEnabled = false;
    const r = await renew(dir);
    expect(r.stdout).toBe(
      'corp.renew: fail - the portal refused to create a key (HTTP 403): API key creation is not allowed in the environment.\n',
    );
    expect(fs.readFileSync(store, 'utf8')).toBe(before);
  });

  for (const [label, answer] of [
    ['answered 500', json(500, { detail: 'Internal Server Error' })],
    ['reset the connection', { status: 0, destroy: true }],
  ] as const) {
    it(`a POST that minted the key but ${label} is adopted through one GET, never a second POST`, async () => {
      const { dir, store } = setUp('expired');
      fake.afterMint.push(answer);
      const start = fake.requests.length;
      const r = await renew(dir);
      expect(r).toMatchObject({ code: 0, stdout: 'corp.renew: pass - renewed\n', stderr: '' });
      expect(fake.requests.slice(start).map((q) => `${q.method} ${q.path}`)).toEqual([MODELS, POST_KEY, GET_KEY, MODELS]);
      expect(storedValue(store, KEY)).toBe(fake.minted.at(-1));
    });
  }

  it('a 502 that minted nothing: one GET shows the old key, so the key is kept and no second POST is sent', async () => {
    const { dir, store, before } = setUp('expired');
    fake.script(POST_KEY, json(502, { error: { message: 'Bad gateway' } }));
    const start = fake.requests.length;
    const r = await renew(dir);
    expect(r).toMatchObject({
      code: 1,
      stdout: 'corp.renew: fail - the portal returned HTTP 502: Bad gateway; key unchanged, retry later\n',
    });
    expect(fake.requests.slice(start).map((q) => `${q.method} ${q.path}`)).toEqual([MODELS, POST_KEY, GET_KEY]);
    expect(fs.readFileSync(store, 'utf8')).toBe(before);
  });

  it('a connection reset with nothing minted: the key is kept, retry later', async () => {
    const { dir, store, before } = setUp('expired');
    fake.script(POST_KEY, { status: 0, destroy: true });
    const r = await renew(dir);
    expect(r.stdout).toBe('corp.renew: fail - the portal did not answer (ECONNRESET); key unchanged, retry later\n');
    expect(fs.readFileSync(store, 'utf8')).toBe(before);
    expect(fake.posts.length).toBeGreaterThan(0);
  });

  it('a portal that cannot be reached sends nothing and asks nothing', async () => {
    const port = await closedPort();
    const { dir, store, before } = setUp('blank');
    fs.writeFileSync(store, before.replace(`# portal=${fake.portalUrl}`, `# portal=http://127.0.0.1:${port}`));
    const r = await renew(dir);
    expect(r.stdout).toBe('corp.renew: fail - the portal did not answer (ECONNREFUSED); key unchanged, retry later\n');
  });

  it('200 without api_key, or with a key that is not one, fails and keeps the old key', async () => {
    for (const body of [{}, { api_key: 'sk-has space' }, { api_key: 'x'.repeat(4097) }]) {
      const { dir, store, before } = setUp('expired');
      fake.script(POST_KEY, json(200, body));
      const r = await renew(dir);
      expect(r).toMatchObject({ code: 1, stdout: 'corp.renew: fail - the portal response had no api_key\n' });
      expect(fs.readFileSync(store, 'utf8')).toBe(before);
    }
  });

  it('404 from the POST: the portal has no key route', async () => {
    const { dir } = setUp('expired');
    fake.script(POST_KEY, json(404, { detail: 'Not Found' }));
    expect((await renew(dir)).stdout).toBe(
      `corp.renew: fail - the portal has no key route at ${fake.portalUrl}/api/v1/auths/api_key\n`,
    );
  });
});

describe('renew: verification', () => {
  it('a new key that propagates for 3 s is probed after 0.5, 1 and 2 s and passes', async () => {
    const { dir } = setUp('expired');
    fake.propagationDelayMs = 3000;
    const start = fake.requests.length;
    const r = await renew(dir);
    expect(r).toMatchObject({ code: 0, stdout: 'corp.renew: pass - renewed\n' });
    expect(countFrom(MODELS, start)).toBe(1 + 4);
    expect(clock.sleeps).toEqual([500, 1000, 2000]);
  });

  it('a key the gateway never accepts: stored anyway (the old one is dead), and the command fails', async () => {
    const { dir, store } = setUp('expired');
    fake.propagationDelayMs = 60_000;
    const r = await renew(dir);
    expect(r.stdout).toBe(
      'corp.renew: fail - new key stored but the gateway did not accept it within 10s: invalid: the gateway rejected the key (HTTP 401: Authentication Error, Invalid proxy server token passed); run `llm-auth renew corp`\n',
    );
    expect(clock.sleeps).toEqual([500, 1000, 2000, 4000]);
    expect(storedValue(store, KEY)).toBe(fake.currentKey);
  });

  it('key_info_path: the gateway-reported expiry replaces expires_at', async () => {
    const { dir, store } = setUp('expired', { extra: ['# key_info_path=/key/info', '# lifetime=1h'] });
    fake.keyExpires = '2026-12-09T12:00:00.000000+00:00';
    expect((await renew(dir)).stdout).toBe('corp.renew: pass - renewed\n');
    expect(storedMetadata(store).expires_at).toBe('2026-12-09T12:00:00Z');
    expect(fake.requestsTo('GET /key/info').at(-1)!.headers.authorization).toBe(`Bearer ${fake.currentKey}`);
  });

  it('warns when the key in the environment shadows the renewed one', async () => {
    const { dir, store } = setUp('expired');
    const shadow = fake.staleKey('expired');
    const r = await renew(dir, [], { [KEY]: shadow });
    expect(r.stdout).toBe('corp.renew: pass - renewed\n');
    expect(r.stderr).toBe(`warning: ${KEY} is set in the environment and shadows ${store}; unset it to use the renewed key\n`);
  });
});

describe('renew: selection', () => {
  it('plain `renew` renews the ChatGPT record and every gateway surface with renew=true, one line each', async () => {
    const chatgpt = await new FakeChatGPT().start();
    try {
      const expired = fake.staleKey('expired');
      fake.currentKey = expired;
      const lab = fake.setKey();
      const { dir, store } = gatewayRepo(
        managedBlock(recordJson(chatgpt.issue())),
        gatewayBlock(fake, { key: expired, session: fake.session() }),
        gatewayBlock(fake, { name: 'lab', key: lab, session: fake.session() }).replace('# renew=true\n', ''),
      );
      const r = await runCli(['renew'], { cwd: dir, clock, env: chatgpt.env() });
      expect(r).toMatchObject({ code: 0, stdout: 'chatgpt.renew: pass\ncorp.renew: pass - renewed\n', stderr: '' });
      expect(storedValue(store, KEY)).toBe(fake.currentKey);
    } finally {
      await chatgpt.close();
    }
  });

  it('any failing surface makes the exit 1; invalid metadata is reported on its line', async () => {
    const { dir, store } = setUp('valid');
    fs.writeFileSync(store, fs.readFileSync(store, 'utf8').replace('# renew=true', '# renew=true\n# lifetime=forever'));
    const r = await renew(dir, ['corp']);
    expect(r).toMatchObject({
      code: 1,
      stdout: "corp.renew: fail - invalid metadata: invalid duration 'forever' for lifetime\n",
      stderr: '',
    });
  });

  it('an unknown surface is a usage error (exit 2)', async () => {
    const { dir } = setUp('valid');
    const r = await renew(dir, ['nope']);
    expect(r).toMatchObject({ code: 2, stdout: '', stderr: "error: unknown auth surface 'nope'; available: corp\n" });
  });
});

describe('renew: peers', () => {
  it('a key that changed in the file while we probed is adopted: no POST', async () => {
    const { dir, store, key } = setUp('expired');
    const peerKey = fake.setKey();
    let peerWrote = false;
    // A peer renews while our probe is on its way: its key is in the file when we take the lock.
    const fetchWithPeer: typeof fetch = (input, init) => {
      if (!peerWrote && (input instanceof Request ? input.url : input.toString()).endsWith('/v1/models')) {
        peerWrote = true;
        fs.writeFileSync(store, fs.readFileSync(store, 'utf8').replace(`${KEY}=${key}`, `${KEY}=${peerKey}`));
      }
      return fetch(input, init);
    };
    const start = fake.requests.length;
    const r = await runCli(['renew'], { cwd: dir, clock, fetch: fetchWithPeer });
    expect(r).toMatchObject({ code: 0, stdout: 'corp.renew: pass - renewed by another process\n', stderr: '' });
    expect(countFrom(POST_KEY, start)).toBe(0);
    expect(storedValue(store, KEY)).toBe(peerKey);
  });

  it('a renewed_at under 60 s old counts as a peer renewal unless --force', async () => {
    const { dir, store } = setUp('expired', { extra: ['# renewed_at=2026-12-02T11:59:30Z'] });
    const start = fake.requests.length;
    expect((await renew(dir)).stdout).toBe('corp.renew: pass - renewed by another process\n');
    expect(countFrom(POST_KEY, start)).toBe(0);
    expect((await renew(dir, ['--force'])).stdout).toBe('corp.renew: pass - renewed\n');
    expect(countFrom(POST_KEY, start)).toBe(1);
    expect(storedValue(store, KEY)).toBe(fake.currentKey);
  });

  it('32 parallel renews against an expired key send exactly one POST; against a valid key none', async () => {
    fake.now = () => performance.now();
    fake.epochS = () => Math.floor(Date.now() / 1000);
    const { dir, store } = setUp('expired');
    const start = fake.requests.length;
    const results = await Promise.all(Array.from({ length: 32 }, () => runBin(['renew', 'corp'], { cwd: dir })));
    for (const r of results) {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^corp\.renew: pass - (renewed|renewed by another process|key still valid)\n$/);
      expect(r.stderr).toMatch(/^(warning: waiting for .*\.env\.lock \(held by pid \d+\)\n)?$/);
    }
    expect(results.filter((r) => r.stdout === 'corp.renew: pass - renewed\n')).toHaveLength(1);
    expect(countFrom(POST_KEY, start)).toBe(1);
    expect(storedValue(store, KEY)).toBe(fake.currentKey);

    const again = fake.requests.length;
    const valid = await Promise.all(Array.from({ length: 32 }, () => runBin(['renew', 'corp'], { cwd: dir })));
    for (const r of valid) expect(r).toMatchObject({ code: 0, stdout: 'corp.renew: pass - key still valid\n' });
    expect(countFrom(POST_KEY, again)).toBe(0);
    expect(countFrom(MODELS, again)).toBe(32);
  });
});

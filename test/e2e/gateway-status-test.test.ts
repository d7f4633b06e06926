// `status` (gateway.md §8: no network, no secrets) and `test` (§9: five read-only subtests) of gateway surfaces.
import * as fs from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { runCli } from '../helpers/cli.js';
import { FakeClock } from '../helpers/runtime.js';
import { gatewayBlock, gatewayRepo } from '../helpers/gateway.js';
import { json } from '../fakes/http.js';
import { FakeGateway, GET_KEY, html, MODELS, POST_KEY } from '../fakes/gateway.js';

const KEY = 'LLM_AUTH_CORP_GATEWAY_KEY';
const SESSION = 'LLM_AUTH_CORP_PORTAL_SESSION';
const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);

let fake: FakeGateway;
let clock: FakeClock;
beforeAll(async () => {
  fake = await new FakeGateway().start();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  clock = new FakeClock(NOW);
  fake.reset(clock);
});

const cli = (dir: string, args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: dir, clock, env });

describe('status of a gateway surface', () => {
  it('every field of §8, sorted, with the key fingerprint and the session expiry; no request', async () => {
    const key = fake.setKey();
    const session = fake.session(7200);
    const { dir } = gatewayRepo(
      gatewayBlock(fake, {
        key,
        session,
        clients: 'claude, codex',
        extra: ['# renewed_at=2026-12-02T11:00:00Z', '# expires_at=2026-12-02T13:30:00Z', '# session_command=pass portal'],
      }),
    );
    const start = fake.requests.length;
    const r = await cli(dir, ['status', 'corp']);
    expect(r.code).toBe(0);
    const fingerprint = `sha256:${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
    expect(r.stdout).toBe(
      [
        '{',
        '  "corp": {',
        `    "api_base": "${fake.apiBase}",`,
        '    "api_key": true,',
        '    "auth": "gateway-key",',
        '    "clients": [',
        '      "claude",',
        '      "codex"',
        '    ],',
        `    "env": "${KEY}",`,
        '    "expired": false,',
        `    "expires_at": ${NOW / 1000 + 5400},`,
        '    "expires_in": "1h 30m",',
        `    "key_fingerprint": "${fingerprint}",`,
        '    "key_source": "env-file",',
        `    "portal": "${fake.portalUrl}",`,
        `    "renewed_at": ${NOW / 1000 - 3600},`,
        '    "session": true,',
        '    "session_command": true,',
        `    "session_env": "${SESSION}",`,
        '    "session_expired": false,',
        `    "session_expires_at": ${NOW / 1000 + 7200},`,
        '    "session_expires_in": "2h 0m",',
        '    "session_source": "env-file"',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    expect(fake.requests.length).toBe(start);
  });

  it('an empty envelope: nulls and false; values from the environment say so', async () => {
    const { dir } = gatewayRepo(gatewayBlock(fake));
    const empty = JSON.parse((await cli(dir, ['status'])).stdout) as Record<string, Record<string, unknown>>;
    expect(empty.corp).toMatchObject({
      api_key: false,
      expired: null,
      expires_at: null,
      expires_in: null,
      key_fingerprint: null,
      key_source: null,
      renewed_at: null,
      session: false,
      session_command: false,
      session_expired: null,
      session_expires_at: null,
      session_expires_in: null,
      session_source: null,
    });
    const fromEnv = JSON.parse(
      (await cli(dir, ['status'], { [KEY]: 'sk-from-the-environment', [SESSION]: 'opaque-session' })).stdout,
    ) as Record<string, Record<string, unknown>>;
    expect(fromEnv.corp).toMatchObject({
      api_key: true,
      key_source: 'environment',
      session: true,
      session_source: 'environment',
      session_expires_at: null,
    });
  });
});

describe('test of a gateway surface', () => {
  function live(o: { extra?: string[] } = {}) {
    const key = fake.setKey();
    const session = fake.session(3600);
    const { dir, store } = gatewayRepo(gatewayBlock(fake, { key, session, ...(o.extra && { extra: o.extra }) }));
    return { dir, store, key, session };
  }

  it('all five subtests pass for a live key and session; read-only: GETs only, nothing written', async () => {
    const { dir, store } = live({ extra: ['# expires_at=2026-12-02T18:00:00Z'] });
    const before = fs.readFileSync(store, 'utf8');
    const start = fake.requests.length;
    const r = await cli(dir, ['test', 'corp']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(
      [
        'corp.gateway-key.config: pass',
        'corp.gateway-key.api-key: pass',
        'corp.gateway-key.session: pass - expires in 1h 0m',
        'corp.gateway-key.portal: pass',
        'corp.gateway-key.gateway: pass - valid, expires in 6h 0m',
        '',
      ].join('\n'),
    );
    expect(fake.requests.slice(start).map((q) => `${q.method} ${q.path}`)).toEqual([GET_KEY, MODELS]);
    expect(fs.readFileSync(store, 'utf8')).toBe(before);
    expect((await cli(dir, ['test'])).stdout).toBe('corp: pass\n');
  });

  it('an expired key: the gateway subtest fails with the §5 text, and the aggregate names both failures', async () => {
    const key = fake.staleKey('expired');
    fake.currentKey = fake.setKey();
    const { dir } = gatewayRepo(gatewayBlock(fake, { key, session: fake.session() }));
    const r = await cli(dir, ['test', 'corp']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('corp.gateway-key.portal: fail - the portal holds a different key; run `llm-auth login corp`\n');
    expect(r.stdout).toContain(
      'corp.gateway-key.gateway: fail - expired: the gateway reports the key as expired (HTTP 400); run `llm-auth renew corp`\n',
    );
    const aggregate = await cli(dir, ['test']);
    expect(aggregate.stdout).toBe('corp: fail - subtests: gateway-key.portal, gateway-key.gateway\n');
    expect(aggregate.stderr).toBe(
      'hint: corp.gateway-key.portal: the portal holds a different key; run `llm-auth login corp` (llm-auth test corp shows every subtest)\n',
    );
    expect(fake.posts).toHaveLength(0);
  });

  it('invalid metadata: config fails and the rest are skipped, with no request', async () => {
    const { dir, store } = live();
    fs.writeFileSync(
      store,
      fs.readFileSync(store, 'utf8').replace(`# portal=${fake.portalUrl}`, '# portal=http://portal.example.com'),
    );
    const start = fake.requests.length;
    const r = await cli(dir, ['test', 'corp']);
    expect(r.stdout).toBe(
      [
        'corp.gateway-key.config: fail - portal must be an https URL (http is allowed only for localhost)',
        'corp.gateway-key.api-key: fail - skipped: invalid metadata',
        'corp.gateway-key.session: fail - skipped: invalid metadata',
        'corp.gateway-key.portal: fail - skipped: invalid metadata',
        'corp.gateway-key.gateway: fail - skipped: invalid metadata',
        '',
      ].join('\n'),
    );
    expect(fake.requests.length).toBe(start);
  });

  const metadataErrors: Array<[string, string, string]> = [
    ['# api_base=', '# api_base=', 'metadata is missing api_base=<URL>'],
    ['# renew=true', '# renew=true\n# renew_before=15 minutes', "invalid duration '15 minutes' for renew_before"],
    ['# renew=true', '# renew=true\n# lifetime=1y', "invalid duration '1y' for lifetime"],
    [
      '# clients=claude,codex,gemini,opencode',
      '# clients=claude,vim',
      "unknown client 'vim'; expected claude, codex, gemini, opencode, openai",
    ],
    [`# session_env=${SESSION}`, `# session_env=${KEY}`, 'session_env must differ from env'],
    [
      `# env=${KEY}`,
      '# env=ANTHROPIC_API_KEY',
      "env var name 'ANTHROPIC_API_KEY' is reserved for LLM clients; choose another name",
    ],
  ];
  for (const [from, to, text] of metadataErrors) {
    it(`config: ${text}`, async () => {
      const { dir, store } = live();
      const original = fs.readFileSync(store, 'utf8');
      const edited = from === '# api_base=' ? original.replace(/# api_base=.*\n/, '') : original.replace(from, to);
      fs.writeFileSync(store, edited);
      expect((await cli(dir, ['test', 'corp'])).stdout.split('\n')[0]).toBe(`corp.gateway-key.config: fail - ${text}`);
    });
  }

  it('no key and no session: the missing variables, and login as the way out', async () => {
    const { dir } = gatewayRepo(gatewayBlock(fake));
    const r = await cli(dir, ['test', 'corp']);
    expect(r.stdout).toBe(
      [
        'corp.gateway-key.config: pass',
        `corp.gateway-key.api-key: fail - ${KEY} is missing`,
        `corp.gateway-key.session: fail - ${SESSION} is missing; run \`llm-auth login corp\``,
        `corp.gateway-key.portal: fail - ${SESSION} is missing; run \`llm-auth login corp\``,
        `corp.gateway-key.gateway: fail - ${KEY} is missing`,
        '',
      ].join('\n'),
    );
  });

  it('an expired session JWT: session-expired, and no portal request', async () => {
    const key = fake.setKey();
    const { dir } = gatewayRepo(gatewayBlock(fake, { key, session: fake.session(-90) }));
    const start = fake.requests.length;
    const r = await cli(dir, ['test', 'corp']);
    const text = 'session-expired: the portal session expired 1m 30s ago; run `llm-auth login corp`';
    expect(r.stdout).toContain(`corp.gateway-key.session: fail - ${text}\n`);
    expect(r.stdout).toContain(`corp.gateway-key.portal: fail - ${text}\n`);
    expect(fake.requests.slice(start).map((q) => `${q.method} ${q.path}`)).toEqual([MODELS]);
  });

  const portalAnswers: Array<[string, () => void, string]> = [
    ['404', () => (fake.currentKey = undefined), 'the portal has no key for this account; run `llm-auth renew corp`'],
    [
      '401',
      () => fake.script(GET_KEY, json(401, { detail: '401 Unauthorized' })),
      'session-expired: the portal rejected the session token (HTTP 401); run `llm-auth login corp`',
    ],
    [
      '302',
      () => fake.script(GET_KEY, { status: 302, headers: { location: 'https://idp.example.com' } }),
      'session-expired: the portal rejected the session token (HTTP 302); run `llm-auth login corp`',
    ],
    [
      'HTML',
      () => fake.script(GET_KEY, html(200)),
      'session-expired: the portal rejected the session token (HTTP 200); run `llm-auth login corp`',
    ],
    [
      '403',
      () => fake.script(GET_KEY, json(403, { detail: 'Not authenticated' })),
      'forbidden: the portal refused the request (HTTP 403): Not authenticated',
    ],
    [
      '500',
      () => fake.script(GET_KEY, json(500, { detail: 'Internal Server Error' })),
      'server-error: HTTP 500: Internal Server Error',
    ],
    ['418', () => fake.script(GET_KEY, { status: 418, body: '  I am\n a teapot ' }), 'unexpected: HTTP 418: I am a teapot'],
    ['{}', () => fake.script(GET_KEY, json(200, {})), 'unexpected: HTTP 200: the portal response had no api_key'],
  ];
  for (const [label, arrange, text] of portalAnswers) {
    it(`portal answers ${label}: ${text}`, async () => {
      const { dir } = live();
      arrange();
      const r = await cli(dir, ['test', 'corp']);
      expect(r.stdout.split('\n')[3]).toBe(`corp.gateway-key.portal: fail - ${text}`);
      expect(fake.posts).toHaveLength(0);
    });
  }

  it('a portal message that echoes the session is redacted and cut to 300 characters', async () => {
    const { dir, session } = live();
    fake.script(GET_KEY, json(500, { detail: `bad session ${session} ${'x'.repeat(400)}` }));
    const line = (await cli(dir, ['test', 'corp'])).stdout.split('\n')[3]!;
    expect(line.startsWith('corp.gateway-key.portal: fail - server-error: HTTP 500: bad session [redacted] xxx')).toBe(true);
    expect(line.length).toBe('corp.gateway-key.portal: fail - server-error: HTTP 500: '.length + 300);
  });

  it('session_command supplies a session when none is stored; its output is used, not stored', async () => {
    const key = fake.setKey();
    const session = fake.session();
    const { dir, store } = gatewayRepo(gatewayBlock(fake, { key, extra: [`# session_command=printf '%s\\n' '${session}'`] }));
    const before = fs.readFileSync(store, 'utf8');
    const r = await cli(dir, ['test', 'corp']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.split('\n')[2]).toBe('corp.gateway-key.session: pass - expires in 1h 0m');
    expect(fs.readFileSync(store, 'utf8')).toBe(before);
    expect(fake.requestsTo(GET_KEY).at(-1)!.headers.authorization).toBe(`Bearer ${session}`);
  });

  it('a portal 401 on the stored session runs session_command once and retries with its token', async () => {
    const key = fake.setKey();
    const fresh = fake.session();
    const { dir } = gatewayRepo(
      gatewayBlock(fake, { key, session: 'revoked-session-token', extra: [`# session_command=echo ${fresh}`] }),
    );
    const start = fake.requests.length;
    const r = await cli(dir, ['test', 'corp']);
    expect(r.stdout.split('\n')[3]).toBe('corp.gateway-key.portal: pass');
    expect(fake.requests.slice(start).map((q) => `${q.method} ${q.path}`)).toEqual([GET_KEY, GET_KEY, MODELS]);
  });

  const commandFailures: Array<[string, string]> = [
    ['exit 3', 'session_command failed: exit 3'],
    ['true', 'session_command printed no token'],
    ["printf 'a\\nb\\n'", 'session_command printed no token'],
  ];
  for (const [command, text] of commandFailures) {
    it(`session_command \`${command}\`: ${text}`, async () => {
      const { dir } = gatewayRepo(gatewayBlock(fake, { key: fake.setKey(), extra: [`# session_command=${command}`] }));
      const r = await cli(dir, ['test', 'corp']);
      expect(r.stdout.split('\n')[2]).toBe(`corp.gateway-key.session: fail - ${text}`);
    });
  }

  it('a session_command that hangs is stopped at the time limit (test --timeout)', async () => {
    const { dir } = gatewayRepo(gatewayBlock(fake, { key: fake.setKey(), extra: ['# session_command=sleep 600'] }));
    const r = await cli(dir, ['test', 'corp', '--timeout', '0.3']);
    expect(r.stdout.split('\n')[2]).toBe('corp.gateway-key.session: fail - session_command failed: timed out after 0.3s');
  });

  it('never sends POST', () => {
    expect(fake.requestsTo(POST_KEY)).toHaveLength(0);
  });
});

// `llm-auth test` end to end against a fake OpenAI-compatible server on 127.0.0.1 (core.md §11).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANARY, CANARY_QUOTED, ROOT, runCli } from '../helpers/cli.js';
import { gitRepo, writeStore } from '../helpers/fs.js';
import { closedPort, FakeServer, json } from '../fakes/http.js';
import { FakeOpenAI } from '../fakes/openai.js';

const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let api: FakeOpenAI;
beforeAll(async () => {
  api = await new FakeOpenAI().start();
  api.validKeys.add(CANARY);
  api.validKeys.add(CANARY_QUOTED);
});
afterAll(async () => {
  await api.close();
});

interface EnvelopeSpec {
  name: string;
  auth?: string;
  meta?: Record<string, string>;
  lines?: string[];
}

function envelope({ name, auth = 'api-key', meta = {}, lines = [] }: EnvelopeSpec): string {
  return [
    `# BEGIN LLM AUTH SURFACE ${name} ${auth}`,
    ...Object.entries(meta).map(([k, v]) => `# ${k}=${v}`),
    ...lines,
    `# END LLM AUTH SURFACE ${name} ${auth}`,
    '',
  ].join('\n');
}

const research = (meta: Record<string, string> = {}, key = CANARY): EnvelopeSpec => ({
  name: 'research',
  meta: { provider: 'openai', env: 'OPENAI_API_KEY', api_base: api.baseUrl, ...meta },
  lines: [`OPENAI_API_KEY=${key}`],
});

function repo(...envelopes: EnvelopeSpec[]): string {
  const dir = gitRepo();
  fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
  writeStore(path.join(dir, '.env'), envelopes.map(envelope).join('\n'));
  return dir;
}

function since<T>(list: T[], start: number): T[] {
  return list.slice(start);
}

describe('test: api-key subtests', () => {
  it('passes all four subtests and sends exactly the specified requests', async () => {
    const dir = repo(research({ model: 'gpt-4.1-mini' }));
    const start = api.requests.length;
    const r = await runCli(['test', 'research'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      [
        'research.api-key: pass',
        'research.openai-api-key-auth: pass',
        'research.openai-model-access: pass - model=gpt-4.1-mini',
        'research.openai-response: pass - model=gpt-4.1-mini',
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(0);
    const sent = since(api.requests, start);
    expect(sent.map((q) => `${q.method} ${q.path}`)).toEqual([
      'GET /v1/models',
      'GET /v1/models/gpt-4.1-mini',
      'POST /v1/responses',
    ]);
    for (const q of sent) {
      expect(q.headers.authorization).toBe(`Bearer ${CANARY}`);
      expect(q.headers.accept).toBe('application/json');
      expect(q.headers['user-agent']).toBe(`llm-auth/${VERSION}`);
    }
    expect(sent[0]!.headers['content-type']).toBeUndefined();
    expect(sent[2]!.headers['content-type']).toBe('application/json');
    expect(sent[2]!.rawBody).toBe(
      '{"model": "gpt-4.1-mini", "input": "Respond with exactly: 1", "max_output_tokens": 128, "store": false}',
    );
  });

  it('encodes the model in the path and the body (a/b, spaces, non-ASCII)', async () => {
    api.models.add('a/b');
    api.models.add('o1 (x)é');
    const dir = repo(research());
    const start = api.requests.length;
    const r = await runCli(['test', 'research', '--model', 'a/b'], { cwd: dir });
    expect(r.code).toBe(0);
    const r2 = await runCli(['test', 'research', '--model', 'o1 (x)é'], { cwd: dir });
    expect(r2.stdout).toContain('research.openai-model-access: pass - model=o1 (x)é\n');
    const paths = since(api.requests, start).map((q) => q.path);
    expect(paths).toContain('/v1/models/a%2Fb');
    expect(paths).toContain('/v1/models/o1%20%28x%29%C3%A9');
    const posted = since(api.requests, start)
      .filter((q) => q.method === 'POST')
      .map((q) => q.rawBody);
    expect(posted[1]).toBe(
      '{"model": "o1 (x)\\u00e9", "input": "Respond with exactly: 1", "max_output_tokens": 128, "store": false}',
    );
  });

  it('resolves the model: --surface-model > --model > metadata model > model_env (> model-env)', async () => {
    for (const m of ['m-surface', 'm-flag', 'm-meta', 'm-env', 'm-env2']) api.models.add(m);
    const dir = repo(research({ model: 'm-meta', model_env: 'MY_MODEL' }), {
      name: 'other',
      meta: { provider: 'openai', env: 'OTHER_KEY', api_base: api.baseUrl, 'model-env': 'MY_MODEL2' },
      lines: [`OTHER_KEY=${CANARY}`],
    });
    const modelOf = async (args: string[], env: Record<string, string> = {}): Promise<string[]> => {
      const start = api.requests.length;
      await runCli(args, { cwd: dir, env });
      return since(api.requests, start)
        .filter((q) => q.path.startsWith('/v1/models/'))
        .map((q) => decodeURIComponent(q.path.slice('/v1/models/'.length)));
    };
    expect(await modelOf(['test', 'research', '--surface-model', 'research=m-surface', '--model', 'm-flag'])).toEqual([
      'm-surface',
    ]);
    expect(await modelOf(['test', 'research', '--model', 'm-flag'])).toEqual(['m-flag']);
    expect(await modelOf(['test', 'research'], { MY_MODEL: 'm-env' })).toEqual(['m-meta']);
    // Aggregate: metadata model for research, model-env for other; a later --surface-model entry wins.
    expect(
      await modelOf([
        'test',
        '--surface-model',
        'other=x',
        '--surface-model',
        ' other = m-surface ',
        '--surface-model',
        'ghost=y',
      ]),
    ).toEqual(['m-meta', 'm-surface']);
    expect(await modelOf(['test', 'other'], { MY_MODEL2: 'm-env2' })).toEqual(['m-env2']);
    // Present but empty wins too: `--model ""` means no model, so only the auth subtest runs.
    const r = await runCli(['test', 'research', '--model', ''], { cwd: dir });
    expect(r.stdout).toBe('research.api-key: pass\nresearch.openai-api-key-auth: pass\n');
  });

  it('redacts a 401 body that echoes the key, its prefix and its suffix', async () => {
    const dir = repo(research({}, 'sk-wrong-key-0123456789'));
    api.script(
      'GET /v1/models',
      json(401, { error: { message: 'Incorrect API key provided: sk-wrong-key-0123456789 (sk-wrong ... 456789)' } }),
    );
    const r = await runCli(['test', 'research'], { cwd: dir });
    expect(r.stdout).toBe(
      'research.api-key: pass\nresearch.openai-api-key-auth: fail - HTTP 401: {"error":{"message":"Incorrect API key provided: [redacted] ([redacted-prefix] ... [redacted-suffix])"}}\n',
    );
    expect(r.code).toBe(1);
    // The fake's own 401 echoes the whole key.
    const r2 = await runCli(['test', 'research'], { cwd: dir });
    expect(r2.stdout).toContain('fail - HTTP 401: {"error":{"message":"Incorrect API key provided: [redacted]. You can find');
    expect(r2.stdout).not.toContain('sk-wrong');
  });

  it('redacts the key echoed JSON-escaped or URL-encoded, whole or in part', async () => {
    const key = 'sk-wrong-key-0123456789';
    const dir = repo(research({}, key));
    const escaped = key.replace(/-/g, '\\u002d');
    const encoded = encodeURIComponent(key).replace(/-/g, '%2D');
    api.script('GET /v1/models', {
      status: 401,
      headers: { 'content-type': 'application/json' },
      body: `{"error":{"message":"bad key ${escaped}; see /keys?k=${encoded}; starts ${'sk\\u002dwron'}g, ends 456%37%389"}}`,
    });
    const r = await runCli(['test', 'research'], { cwd: dir });
    expect(r.stdout).toBe(
      'research.api-key: pass\nresearch.openai-api-key-auth: fail - HTTP 401: {"error":{"message":"bad key [redacted]; see /keys?k=[redacted]; starts [redacted-prefix], ends [redacted-suffix]"}}\n',
    );
  });

  it('says what is wrong with a key that cannot be sent in a header (a line break, non-ASCII), sending nothing', async () => {
    for (const [line, what] of [
      ['OPENAI_API_KEY="sk-line\\nbreak-0123456789"', 'a line break'],
      ["OPENAI_API_KEY='sk-typographic\u2013dash-0123456789'", 'a non-ASCII character'],
      ['OPENAI_API_KEY="sk-bell\\x07-0123456789"', 'a control character'],
    ]) {
      const dir = repo({ ...research({}), lines: [line!] });
      const start = api.requests.length;
      const r = await runCli(['test', 'research'], { cwd: dir });
      expect(r.stdout).toBe(
        `research.api-key: pass\nresearch.openai-api-key-auth: fail - the key contains ${what}, which cannot be sent in an HTTP header\n`,
      );
      expect(r.code).toBe(1);
      expect(api.requests.length).toBe(start);
    }
  });

  it('reports connection refused as one short line', async () => {
    const port = await closedPort();
    const dir = repo(research({ api_base: `http://127.0.0.1:${port}/v1`, model: 'gpt-4.1-mini' }));
    const r = await runCli(['test', 'research'], { cwd: dir });
    const reason = `ECONNREFUSED: 127.0.0.1:${port}`;
    expect(r.stdout).toBe(
      `research.api-key: pass\nresearch.openai-api-key-auth: fail - ${reason}\nresearch.openai-model-access: fail - ${reason}\nresearch.openai-response: fail - ${reason}\n`,
    );
    expect(r.code).toBe(1);
  });

  it('names a port fetch refuses to use, instead of a bare ENETWORK', async () => {
    const dir = repo(research({ api_base: 'http://127.0.0.1:9/v1' }));
    const r = await runCli(['test', 'research'], { cwd: dir });
    expect(r.stdout).toBe(
      'research.api-key: pass\nresearch.openai-api-key-auth: fail - EBADPORT: 127.0.0.1:9 (fetch refuses this port)\n',
    );
  });

  it('gives up on a server that never answers after --timeout', async () => {
    const dir = repo(research());
    api.script('GET /v1/models', { status: 200, hang: true });
    const started = Date.now();
    const r = await runCli(['test', 'research', '--timeout', '0.5'], { cwd: dir });
    expect(r.stdout).toBe('research.api-key: pass\nresearch.openai-api-key-auth: fail - request timed out after 0.5s\n');
    expect(Date.now() - started).toBeLessThan(30_000); // bounded: far below the default of 60 s
  });

  it('reports a Cloudflare HTML page with the fixed message, and a 2xx that is not JSON', async () => {
    const dir = repo(research({ model: 'gpt-4.1-mini' }));
    api.script('GET /v1/models', {
      status: 403,
      headers: { 'content-type': 'text/html', 'cf-mitigated': 'challenge' },
      body: '<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>cf_chl_opt</body></html>',
    });
    api.script('GET /v1/models/gpt-4.1-mini', {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: 'not json at all',
    });
    api.script('POST /v1/responses', { status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' }, body: 'moved' });
    const r = await runCli(['test', 'research'], { cwd: dir });
    expect(r.stdout).toBe(
      [
        'research.api-key: pass',
        'research.openai-api-key-auth: fail - HTTP 403: ChatGPT backend returned an HTML/Cloudflare challenge',
        'research.openai-model-access: fail - invalid JSON in response',
        'research.openai-response: fail - HTTP 302: moved',
        '',
      ].join('\n'),
    );
  });

  it('checks the model id and the answer text', async () => {
    const dir = repo(research({ model: 'gpt-4.1-mini' }));
    api.script('GET /v1/models/gpt-4.1-mini', json(200, { id: "gpt-4.1-mini-it's" }));
    api.script(
      'POST /v1/responses',
      json(200, { output: [{ content: [{ text: ' 2' }, { text: 7 }, { type: 'x' }] }, 'junk', { content: 'no' }] }),
    );
    const r = await runCli(['test', 'research'], { cwd: dir });
    expect(r.stdout).toBe(
      [
        'research.api-key: pass',
        'research.openai-api-key-auth: pass',
        `research.openai-model-access: fail - expected model 'gpt-4.1-mini', got "gpt-4.1-mini-it's"`,
        "research.openai-response: fail - expected `1`, got '2'",
        '',
      ].join('\n'),
    );
    api.script('GET /v1/models/gpt-4.1-mini', json(200, [1]));
    api.script('POST /v1/responses', json(200, { output_text: ' 1\n', output: [{ content: [{ text: '2' }] }] }));
    const r2 = await runCli(['test', 'research'], { cwd: dir });
    expect(r2.stdout).toContain("research.openai-model-access: fail - expected model 'gpt-4.1-mini', got None\n");
    expect(r2.stdout).toContain('research.openai-response: pass - model=gpt-4.1-mini\n');
  });

  it('sends nothing without a key; fails every live subtest with the api-key message', async () => {
    const start = api.requests.length;
    const dir = repo(
      {
        name: 'nokey',
        meta: { provider: 'openai', env: 'NOKEY', api_base: api.baseUrl, model: 'gpt-4.1-mini' },
        lines: ['NOKEY= '],
      },
      { name: 'noenv', meta: { provider: 'openai', api_base: api.baseUrl } },
      { name: 'plain', meta: { provider: 'openai', env: 'PLAIN', api_base: api.baseUrl } },
    );
    const r = await runCli(['test', 'nokey'], { cwd: dir });
    expect(r.stdout).toBe(
      'nokey.api-key: fail - NOKEY is missing\nnokey.openai-api-key-auth: fail - NOKEY is missing\nnokey.openai-model-access: fail - NOKEY is missing\nnokey.openai-response: fail - NOKEY is missing\n',
    );
    expect((await runCli(['test', 'noenv'], { cwd: dir })).stdout).toBe(
      'noenv.api-key: fail - metadata is missing env=<ENV_VAR>\nnoenv.openai-api-key-auth: fail - metadata is missing env=<ENV_VAR>\n',
    );
    expect((await runCli(['test', 'plain'], { cwd: dir })).stdout).toBe(
      'plain.api-key: fail - PLAIN is missing\nplain.openai-api-key-auth: fail - PLAIN is missing\n',
    );
    expect(api.requests.length).toBe(start);
  });

  it('runs only the api-key subtest for other providers, and checks api_base', async () => {
    const dir = repo(
      { name: 'router', meta: { provider: 'openrouter', env: 'OR_KEY' }, lines: [`OR_KEY=${CANARY}`] },
      research({ api_base: 'ftp://example.invalid/v1' }),
      { name: 'upper', meta: { provider: 'OpenAI', env: 'UP_KEY' }, lines: [`UP_KEY=${CANARY}`] },
    );
    expect((await runCli(['test', 'router'], { cwd: dir })).stdout).toBe('router.api-key: pass\n');
    expect((await runCli(['test', 'upper'], { cwd: dir })).stdout).toBe('upper.api-key: pass\n');
    expect((await runCli(['test', 'research'], { cwd: dir })).stdout).toBe(
      "research.api-key: pass\nresearch.openai-api-key-auth: fail - invalid api_base URL 'ftp://example.invalid/v1'\n",
    );
  });

  it('drops one trailing slash of api_base', async () => {
    const dir = repo(research({ api_base: `${api.baseUrl}/` }));
    const start = api.requests.length;
    expect((await runCli(['test', 'research'], { cwd: dir })).code).toBe(0);
    expect(since(api.requests, start).map((q) => q.path)).toEqual(['/v1/models']);
  });

  it('sends quoted keys decoded exactly as the Python tool decodes them', async () => {
    const tricky = 'sk-quote "\\ it\'s 0123456789';
    api.validKeys.add(tricky);
    const dir = repo(
      {
        name: 'dq',
        meta: { provider: 'openai', env: 'DQ', api_base: api.baseUrl },
        lines: [`DQ="sk-quote \\"\\\\ it's \\x30123456789"`],
      },
      {
        name: 'sq',
        meta: { provider: 'openai', env: 'SQ', api_base: api.baseUrl },
        lines: [`SQ='${CANARY_QUOTED}'  # a comment'`],
      },
    );
    const start = api.requests.length;
    const r = await runCli(['test'], { cwd: dir });
    expect(r.stdout).toBe('dq: pass\nsq: pass\n');
    const auths = since(api.requests, start).map((q) => q.headers.authorization);
    expect(auths).toEqual([`Bearer ${tricky}`, `Bearer ${CANARY_QUOTED}`]);
  });
});

describe('test: output and option checks', () => {
  const chatgpt = (json: string, meta: string[] = []): EnvelopeSpec => ({
    name: 'chatgpt',
    auth: 'subscription-oauth',
    meta: { env: 'CHATGPT_AUTH_JSON', ...(Object.fromEntries(meta.map((m) => m.split('='))) as Record<string, string>) },
    lines: [`CHATGPT_AUTH_JSON='${json}'`],
  });

  it('prints one line per name in aggregate mode', async () => {
    api.script('POST /v1/responses', json(200, { output_text: '2' }));
    const dir = repo(
      research({ model: 'gpt-4.1-mini' }),
      { name: 'evals', meta: { provider: 'openai', env: 'EVALS_KEY', api_base: api.baseUrl }, lines: [`EVALS_KEY=${CANARY}`] },
      { name: '9x', meta: { provider: '1prov', env: 'LLM_1PROV_9X_API_KEY' } },
      { name: 'custom', auth: 'weird-mode', lines: ['X=1'] },
      chatgpt(JSON.stringify({ access_token: CANARY, refresh_token: CANARY_QUOTED })),
      { name: 'both', meta: { env: 'NONE_A' } },
      { name: 'both', meta: { provider: 'openai', env: 'NONE_B', api_base: api.baseUrl } },
    );
    const r = await runCli(['test'], { cwd: dir });
    expect(r.stdout).toBe(
      [
        "research: fail - openai-response: expected `1`, got '2'",
        'evals: pass',
        '9x: fail - api-key: LLM_1PROV_9X_API_KEY is missing',
        'custom: fail - weird-mode: no test handler for this auth mode',
        'chatgpt: pass',
        'both: fail - subtests: api-key, api-key, openai-api-key-auth',
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(1);
    // The line that names only subtests gets its first failure's reason on stderr.
    expect(r.stderr).toBe('hint: both.api-key: NONE_A is missing (llm-auth test both shows every subtest)\n');
    const single = await runCli(['test', 'custom'], { cwd: dir });
    expect(single).toMatchObject({ code: 1, stdout: 'custom.weird-mode: fail - no test handler for this auth mode\n' });
  });

  it('runs the offline ChatGPT subtests with their exact messages', async () => {
    const now = Math.floor(Date.now() / 1000);
    const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    const expiredJwt = `${b64({ alg: 'none' })}.${b64({ exp: now - 30 })}.x`;
    const cases: Array<[string, string[]]> = [
      [
        '',
        [
          'chatgpt.subscription-oauth.env-auth-json: fail - CHATGPT_AUTH_JSON is missing',
          'chatgpt.subscription-oauth.oauth-state: fail - missing access_token and refresh_token',
        ],
      ],
      [
        '{"access_token":"","refresh_token":null}',
        [
          'chatgpt.subscription-oauth.env-auth-json: pass',
          'chatgpt.subscription-oauth.oauth-state: fail - missing access_token and refresh_token',
        ],
      ],
      [
        JSON.stringify({ access_token: expiredJwt }),
        [
          'chatgpt.subscription-oauth.env-auth-json: pass',
          'chatgpt.subscription-oauth.oauth-state: fail - access_token is expired and refresh_token is missing',
        ],
      ],
      [
        JSON.stringify({ access_token: expiredJwt, refresh_token: CANARY }),
        ['chatgpt.subscription-oauth.env-auth-json: pass', 'chatgpt.subscription-oauth.oauth-state: pass'],
      ],
      [
        JSON.stringify({ refresh_token: CANARY }),
        ['chatgpt.subscription-oauth.env-auth-json: pass', 'chatgpt.subscription-oauth.oauth-state: pass'],
      ],
    ];
    for (const [record, lines] of cases) {
      const dir = repo(chatgpt(record));
      const r = await runCli(['test', 'chatgpt'], { cwd: dir });
      expect(r.stdout).toBe(lines.join('\n') + '\n');
    }
  });

  it('never reports a live backend pass it did not earn', async () => {
    const dir = repo(chatgpt(JSON.stringify({ access_token: CANARY, refresh_token: CANARY_QUOTED }), ['live_backend=TRUE']));
    const r = await runCli(['test'], { cwd: dir });
    expect(r.stdout).toMatch(/^chatgpt: fail - subscription-oauth\.completion: /);
    expect(r.code).toBe(1);
  });

  it('checks options in the order of core.md §11.1, with exact messages and exit codes', async () => {
    const empty = gitRepo();
    fs.writeFileSync(path.join(empty, '.gitignore'), '/.env\n');
    expect(await runCli(['test', '--model', 'x'], { cwd: empty })).toMatchObject({
      code: 2,
      stderr: 'error: --model requires a surface; use --surface-model SURFACE=MODEL for aggregate tests\n',
    });
    expect(await runCli(['test', '--surface-model', 'foo'], { cwd: empty })).toMatchObject({
      code: 1,
      stderr: `error: no auth surfaces found in ${path.join(empty, '.env')}\n`,
    });
    const dir = repo(research(), chatgpt('[1]'));
    for (const bad of ['foo', '=m', 'a=', ' = ']) {
      expect(await runCli(['test', '--surface-model', bad, 'nope'], { cwd: dir })).toMatchObject({
        code: 2,
        stdout: '',
        stderr: `error: --surface-model expects SURFACE=MODEL, got '${bad}'\n`,
      });
    }
    expect(await runCli(['test', 'nope'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: "error: unknown auth surface 'nope'; available: research, chatgpt\n",
    });
    expect(await runCli(['test', 'research'], { cwd: dir })).toMatchObject({ code: 0 });
    const aggregate = await runCli(['test'], { cwd: dir });
    expect(aggregate).toMatchObject({ code: 1, stdout: '' });
    expect(aggregate.stderr).toMatch(
      /^error: CHATGPT_AUTH_JSON did not contain a JSON object\nhint: the value is at .*\.env:\d+\n$/,
    );
    for (const bad of ['0', '-1', 'abc', 'inf', 'nan', '']) {
      expect(await runCli(['test', '--timeout', bad], { cwd: dir })).toMatchObject({
        code: 2,
        stderr: `error: --timeout must be a positive number of seconds, got '${bad}'\n`,
      });
    }
    // Python's float() accepts these.
    expect((await runCli(['test', 'research', '--timeout', ' 1_0e0 '], { cwd: dir })).code).toBe(0);
  });

  it('fails closed on an unsafe store before any request', async () => {
    const dir = repo(research());
    fs.chmodSync(path.join(dir, '.env'), 0o640);
    const start = api.requests.length;
    const r = await runCli(['test'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/permissions 640 are too open/);
    expect(api.requests.length).toBe(start);
  });
});

describe('the fake server', () => {
  it('is reachable only on 127.0.0.1', () => {
    expect(api.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new FakeServer().origin).toBe('http://127.0.0.1:0');
  });
});

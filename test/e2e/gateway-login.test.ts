// `login` for gateway surfaces (gateway.md §7): the token from stdin, session_command or a hidden prompt at a
// terminal (run under `script`), shape checks, the portal check, and the locked write.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertNoCanary, BIN, runBin, runCli } from '../helpers/cli.js';
import { FakeClock } from '../helpers/runtime.js';
import { tmpDir } from '../helpers/fs.js';
import { hasScript } from '../helpers/terminal.js';
import { gatewayBlock, gatewayRepo, storedMetadata, storedValue } from '../helpers/gateway.js';
import { closedPort, json } from '../fakes/http.js';
import { FakeGateway, GET_KEY, html } from '../fakes/gateway.js';

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
  clock = new FakeClock(Date.now());
  fake.reset();
});

const login = (dir: string, args: string[], stdin?: string, env: Record<string, string> = {}) =>
  runCli(['login', ...args], { cwd: dir, clock, env, ...(stdin !== undefined && { stdin }) });

describe('login --with-token', () => {
  it('stores the session and the key the portal holds, and drops the old bookkeeping', async () => {
    const stale = fake.staleKey();
    const portalKey = fake.setKey();
    const { dir, store } = gatewayRepo(
      gatewayBlock(fake, { key: stale, extra: ['# renewed_at=2026-11-01T00:00:00Z', '# expires_at=2026-11-02T00:00:00Z'] }),
    );
    const session = fake.session();
    const r = await login(dir, ['corp', '--with-token'], `  ${session}\n`);
    expect(r).toMatchObject({ code: 0, stdout: 'ok\n', stderr: '' });
    expect(storedValue(store, SESSION)).toBe(session);
    expect(storedValue(store, KEY)).toBe(portalKey);
    expect(storedMetadata(store).renewed_at).toBeUndefined();
    expect(storedMetadata(store).expires_at).toBeUndefined();
    const check = fake.requestsTo(GET_KEY).at(-1)!;
    expect(check.headers.authorization).toBe(`Bearer ${session}`);
    expect(check.headers.accept).toBe('application/json');
    expect(fake.posts).toHaveLength(0);
    expect(fs.statSync(store).mode & 0o777).toBe(0o600);
  });

  it('keeps the stored key and its bookkeeping when the portal holds the same key', async () => {
    const key = fake.setKey();
    const { dir, store } = gatewayRepo(gatewayBlock(fake, { key, extra: ['# renewed_at=2026-11-01T00:00:00Z'] }));
    expect((await login(dir, ['corp', '--with-token'], fake.session())).stdout).toBe('ok\n');
    expect(storedMetadata(store).renewed_at).toBe('2026-11-01T00:00:00Z');
  });

  it('a portal without a key (404) accepts the session; renew then creates one with a POST', async () => {
    const { dir, store } = gatewayRepo(gatewayBlock(fake));
    const session = fake.session();
    expect((await login(dir, ['--with-token'], session)).stdout).toBe('ok\n');
    expect(storedValue(store, SESSION)).toBe(session);
    expect(storedValue(store, KEY)).toBe('');
    const r = await runCli(['renew'], { cwd: dir, clock });
    expect(r.stdout).toBe('corp.renew: pass - renewed\n');
    expect(storedValue(store, KEY)).toBe(fake.currentKey);
    expect(fake.posts).toHaveLength(1);
  });

  const shapes: Array<[string, string]> = [
    ['', 'no session token received'],
    ['   \n', 'no session token received'],
    ['eyJ two words', 'the session token must be a single line without spaces'],
    ['line-one\nline-two\n', 'the session token must be a single line without spaces'],
    ['sk-abcdefghijklmnopqrstuv', 'that looks like an API key, not a portal session token'],
  ];
  for (const [input, message] of shapes) {
    it(`refuses ${JSON.stringify(input)}: ${message}, no request, nothing written`, async () => {
      const { dir, store } = gatewayRepo(gatewayBlock(fake));
      const before = fs.readFileSync(store, 'utf8');
      const start = fake.requests.length;
      const r = await login(dir, ['corp', '--with-token'], input);
      expect(r).toMatchObject({ code: 1, stdout: '', stderr: `error: ${message}\n` });
      expect(fake.requests.length).toBe(start);
      expect(fs.readFileSync(store, 'utf8')).toBe(before);
    });
  }

  const portalErrors: Array<[string, () => void, string]> = [
    ['an unknown session (401)', () => undefined, 'the portal rejected the session token (HTTP 401)'],
    [
      'a redirect',
      () => fake.script(GET_KEY, { status: 302, headers: { location: 'https://idp.example.com' } }),
      'the portal rejected the session token (HTTP 302)',
    ],
    ['HTML with 200', () => fake.script(GET_KEY, html(200)), 'the portal rejected the session token (HTTP 200)'],
    [
      '403',
      () => fake.script(GET_KEY, json(403, { detail: 'Not authenticated' })),
      'the portal refused the request (HTTP 403): Not authenticated',
    ],
    [
      '500',
      () => fake.script(GET_KEY, json(500, { detail: 'Internal Server Error' })),
      'the portal answered HTTP 500: Internal Server Error',
    ],
  ];
  for (const [label, arrange, message] of portalErrors) {
    it(`the portal check fails on ${label}: nothing stored`, async () => {
      const { dir, store } = gatewayRepo(gatewayBlock(fake));
      const before = fs.readFileSync(store, 'utf8');
      arrange();
      const token = label.startsWith('an unknown') ? 'never-issued-session-token' : fake.session();
      const r = await login(dir, ['corp', '--with-token'], token);
      expect(r).toMatchObject({ code: 1, stdout: '', stderr: `error: ${message}\n` });
      expect(fs.readFileSync(store, 'utf8')).toBe(before);
    });
  }

  it('an unreachable portal: could not reach {portal}{key_path}', async () => {
    const port = await closedPort();
    const { dir, store } = gatewayRepo(gatewayBlock(fake));
    fs.writeFileSync(
      store,
      fs.readFileSync(store, 'utf8').replace(`# portal=${fake.portalUrl}`, `# portal=http://127.0.0.1:${port}`),
    );
    const r = await login(dir, ['corp', '--with-token'], fake.session());
    expect(r.stderr).toBe(`error: could not reach http://127.0.0.1:${port}/api/v1/auths/api_key: ECONNREFUSED\n`);
  });

  it('invalid metadata fails before anything is read or sent', async () => {
    const { dir, store } = gatewayRepo(gatewayBlock(fake));
    fs.writeFileSync(store, fs.readFileSync(store, 'utf8').replace('# renew=true', '# renew=true\n# clients=emacs'));
    const r = await login(dir, ['corp', '--with-token'], fake.session());
    expect(r).toMatchObject({
      code: 1,
      stderr: "error: unknown client 'emacs'; expected claude, codex, gemini, opencode, openai\n",
    });
  });
});

describe('login without --with-token', () => {
  it('uses session_command, and stores what it printed', async () => {
    const session = fake.session();
    const { dir, store } = gatewayRepo(gatewayBlock(fake, { extra: [`# session_command=echo ${session}`] }));
    expect((await login(dir, ['corp'])).stdout).toBe('ok\n');
    expect(storedValue(store, SESSION)).toBe(session);
  });

  it('session_command failures: exit status, no output, and a hang stopped by --timeout', async () => {
    for (const [command, args, message] of [
      ['exit 3', [], 'session_command failed: exit 3'],
      ['true', [], 'session_command printed no token'],
      ['sleep 600', ['--timeout', '0.3'], 'session_command failed: timed out after 0.3s'],
    ] as const) {
      const { dir, store } = gatewayRepo(gatewayBlock(fake, { extra: [`# session_command=${command}`] }));
      const before = fs.readFileSync(store, 'utf8');
      const r = await login(dir, ['corp', ...args]);
      expect(r).toMatchObject({ code: 1, stdout: '', stderr: `error: ${message}\n` });
      expect(fs.readFileSync(store, 'utf8')).toBe(before);
    }
  });

  it('without a terminal or a command: says to pipe the token', async () => {
    const { dir } = gatewayRepo(gatewayBlock(fake));
    const r = await runBin(['login', 'corp'], { cwd: dir });
    expect(r).toMatchObject({
      code: 1,
      stdout: '',
      stderr: "error: login for gateway surface 'corp' needs a terminal; pipe the session token with --with-token\n",
    });
  });

  it('a token passed as an argument is a usage error (exit 2); nothing is stored or printed', async () => {
    const { dir, store } = gatewayRepo(gatewayBlock(fake));
    const before = fs.readFileSync(store, 'utf8');
    const token = fake.session();
    const r = await runBin(['login', 'corp', token], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(fs.readFileSync(store, 'utf8')).toBe(before);
  });

  it('as a process: pipe the token in', async () => {
    const { dir, store } = gatewayRepo(gatewayBlock(fake));
    const session = fake.session();
    const r = await runBin(['login', 'corp', '--with-token'], { cwd: dir, stdin: `${session}\n` });
    expect(r).toMatchObject({ code: 0, stdout: 'ok\n', stderr: '' });
    expect(storedValue(store, SESSION)).toBe(session);
  });
});

/** Runs the CLI under `script` (a pseudo-terminal); `type` is sent once the prompt shows. */
async function atTerminal(
  args: string[],
  cwd: string,
  env: Record<string, string>,
  type: string,
): Promise<{ code: number | null; out: string }> {
  const transcript = path.join(tmpDir(), 'typescript');
  const child = spawn('script', ['-qec', [BIN, ...args].join(' '), transcript], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let typed = false;
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    if (!typed && out.includes('(input is hidden): ')) {
      typed = true;
      child.stdin.write(type);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  child.stdin.end();
  assertNoCanary(out, 'the terminal');
  return { code, out };
}

describe('login at a terminal', () => {
  it.skipIf(!hasScript)('shows the instructions, reads the token without echo (Backspace edits), stores it', async () => {
    const { dir, store } = gatewayRepo(gatewayBlock(fake));
    const session = fake.session();
    // A stray character erased with Backspace, then Enter.
    const { code, out } = await atTerminal(
      ['login', 'corp', '--no-browser'],
      dir,
      { PATH: process.env.PATH!, HOME: dir },
      `${session}x\x7f\r`,
    );
    expect(code).toBe(0);
    expect(out).toContain('Sign in to the portal in your browser, then copy your session token:');
    expect(out).toContain(`1) Visit ${fake.portalUrl}`);
    expect(out).toContain('2) Copy the value of the `token` cookie (browser developer tools > Application > Cookies)');
    expect(out).toContain('Session tokens give full access to your portal account. Never share them.');
    expect(out).toContain('Paste the portal session token (input is hidden): ');
    expect(out).toMatch(/ok\r?\n/);
    expect(out).not.toContain(session.slice(0, 8));
    expect(storedValue(store, SESSION)).toBe(session);
  });

  it.skipIf(!hasScript)('opens the portal in the browser for a person at a graphical terminal', async () => {
    const { dir, store } = gatewayRepo(gatewayBlock(fake));
    const bin = tmpDir();
    const marker = path.join(bin, 'opened.txt');
    fs.writeFileSync(path.join(bin, 'xdg-open'), `#!/bin/sh\necho "url=$1" > '${marker}'\n`, { mode: 0o755 });
    const session = fake.session();
    const env = { PATH: `${bin}:${process.env.PATH}`, HOME: dir, DISPLAY: ':0' };
    const { code } = await atTerminal(['login', 'corp'], dir, env, `${session}\r`);
    expect(code).toBe(0);
    expect(fs.readFileSync(marker, 'utf8')).toBe(`url=${fake.portalUrl}\n`);
    expect(storedValue(store, SESSION)).toBe(session);
  });

  it.skipIf(!hasScript)('Ctrl-C at the prompt: error: interrupted, exit 130, nothing stored', async () => {
    const { dir, store } = gatewayRepo(gatewayBlock(fake));
    const before = fs.readFileSync(store, 'utf8');
    const start = fake.requests.length;
    const { code, out } = await atTerminal(
      ['login', 'corp', '--no-browser'],
      dir,
      { PATH: process.env.PATH!, HOME: dir },
      'abc\x03',
    );
    expect(code).toBe(130);
    expect(out).toMatch(/error: interrupted\r?\n/);
    expect(fs.readFileSync(store, 'utf8')).toBe(before);
    expect(fake.requests.length).toBe(start);
  });
});

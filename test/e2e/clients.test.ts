// The README's client recipes, run as written (paths and hosts swapped for the test's) by stand-in clients
// (test/fakes/clients/): small scripts that wire the key the way Claude Code, Codex CLI, Gemini CLI and
// OpenCode do. `npm run test:clients` runs the real clients.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/cli.js';
import { tmpDir } from '../helpers/fs.js';
import { gatewayBlock, gatewayRepo, storedValue } from '../helpers/gateway.js';
import { FakeGateway } from '../fakes/gateway.js';

const run = promisify(execFile);
const CLIENTS = path.join(ROOT, 'test', 'fakes', 'clients');

/** The code block after `<!-- recipe: {name} -->` in the README. */
function recipe(name: string): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const m = new RegExp(`<!-- recipe: ${name} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m) throw new Error(`no recipe ${name} in the README`);
  return m[1]!;
}

let fake: FakeGateway;
beforeAll(async () => {
  fake = await new FakeGateway().start();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset({ now: () => Date.now() }));

/** The store, a home outside the repository, PATH with `llm-auth` and the stand-in clients. */
function setUp(clients: string) {
  const key = fake.setKey();
  const { dir, store } = gatewayRepo(gatewayBlock(fake, { key, session: fake.session(), clients }));
  const home = tmpDir();
  const bin = tmpDir();
  fs.symlinkSync(BIN, path.join(bin, 'llm-auth'));
  const swap = (text: string): string =>
    text.replaceAll('/home/me/src/repo/.env', store).replaceAll('https://llm.example.com', fake.origin);
  const env = { PATH: `${bin}:${CLIENTS}:${process.env.PATH}`, HOME: home };
  return { dir, store, key, home, swap, env };
}

/** Bearer or x-api-key of each request to the gateway's client routes since `from`. */
const keysSent = (from: number): string[] =>
  fake.requests
    .slice(from)
    .filter((q) => q.method === 'POST' && q.path.startsWith('/v1/') && q.path !== '/v1/models')
    .map((q) => q.headers['x-api-key'] ?? (q.headers.authorization ?? '').replace(/^Bearer /, ''));

describe('client recipes', () => {
  it('Claude Code (apiKeyHelper) and Codex (auth command) get the stored key, then the renewed one with one POST', async () => {
    const { key, home, swap, env } = setUp('codex');
    const settings = path.join(home, 'claude-settings.json');
    fs.writeFileSync(settings, swap(recipe('claude-settings')));
    const codexHome = path.join(home, '.codex');
    fs.mkdirSync(codexHome);
    fs.writeFileSync(path.join(codexHome, 'config.toml'), swap(recipe('codex-config')));
    const clientEnv = { ...env, CLAUDE_SETTINGS: settings, CODEX_HOME: codexHome };

    let start = fake.requests.length;
    // The clients run outside the repository.
    expect((await run('claude', [], { cwd: home, env: clientEnv })).stdout).toBe('claude: 200 1\n');
    expect((await run('codex', [], { cwd: home, env: clientEnv })).stdout).toBe('codex: 200 1\n');
    expect(keysSent(start)).toEqual([key, key]);

    // The gateway expires the key: the next helper run renews it, once for both clients.
    fake.oldKeys.set(key, 'expired');
    start = fake.requests.length;
    const posts = fake.posts.length;
    expect((await run('claude', [], { cwd: home, env: clientEnv })).stdout).toBe('claude: 200 1\n');
    expect((await run('codex', [], { cwd: home, env: clientEnv })).stdout).toBe('codex: 200 1\n');
    expect(fake.posts.length - posts).toBe(1);
    expect(keysSent(start)).toEqual([fake.currentKey, fake.currentKey]);
    expect(fake.currentKey).not.toBe(key);
  });

  it('Gemini CLI and OpenCode through exec get a fresh key and none of the variables that would override it', async () => {
    const { store, key, home, swap, env } = setUp('gemini,opencode');
    fake.oldKeys.set(key, 'expired');
    const start = fake.requests.length;
    const posts = fake.posts.length;
    const [shell] = swap(recipe('exec')).trim().split('\n');
    const gemini = await run('/bin/sh', ['-c', shell!], { cwd: home, env: { ...env, GOOGLE_API_KEY: 'stale-google-key' } });
    expect(gemini.stdout).toBe('gemini: 200\n');
    const opencode = await run('/bin/sh', ['-c', shell!.replace(/gemini$/, 'opencode')], { cwd: home, env });
    expect(opencode.stdout).toBe('opencode: 200\n');
    expect(keysSent(start)).toEqual([fake.currentKey, fake.currentKey]);
    expect(fake.posts.length - posts).toBe(1);
    expect(storedValue(store, 'LLM_AUTH_CORP_GATEWAY_KEY')).toBe(fake.currentKey);
  });

  it('a shell: eval of `env` exports what the clients read', async () => {
    const { key, home, swap, env } = setUp('claude');
    const line = swap(recipe('shell')).trim();
    const r = await run('/bin/sh', ['-c', `${line}; printf '%s %s' "$ANTHROPIC_AUTH_TOKEN" "$ANTHROPIC_BASE_URL"`], {
      cwd: home,
      env,
    });
    expect(r.stdout).toBe(`${key} ${fake.origin}`);
  });
});

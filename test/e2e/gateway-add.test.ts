// `add-gateway` (gateway.md §6, commands.md §4): the envelope of §2.1, defaults, validation, the store checks.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin, runCli } from '../helpers/cli.js';
import { gitRepo, listDir, mode, writeStore } from '../helpers/fs.js';
import { HEADER } from '../helpers/chatgpt.js';

const PORTAL = 'https://portal.example.com';
const API_BASE = 'https://llm.example.com/v1';

function repo(ignored = true): { dir: string; store: string } {
  const dir = gitRepo();
  if (ignored) fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
  return { dir, store: path.join(dir, '.env') };
}

const add = (dir: string, ...args: string[]) =>
  runCli(['add-gateway', ...args.slice(0, 1), '--portal', PORTAL, '--api-base', API_BASE, ...args.slice(1)], { cwd: dir });

describe('add-gateway', () => {
  it('writes the example envelope of §2.1 after the header, mode 0600, and says what to do next', async () => {
    const { dir, store } = repo();
    const r = await add(dir, 'corp');
    expect(r).toMatchObject({
      code: 0,
      stderr: '',
      stdout: 'added corp gateway-key surface using LLM_AUTH_CORP_GATEWAY_KEY; next: llm-auth login corp\n',
    });
    expect(fs.readFileSync(store, 'utf8')).toBe(
      `${HEADER}\n\n` +
        [
          '# BEGIN LLM AUTH SURFACE corp gateway-key',
          '# surface=corp',
          '# auth=gateway-key',
          '# portal=https://portal.example.com',
          '# key_path=/api/v1/auths/api_key',
          '# api_base=https://llm.example.com/v1',
          '# env=LLM_AUTH_CORP_GATEWAY_KEY',
          '# session_env=LLM_AUTH_CORP_PORTAL_SESSION',
          '# clients=claude,codex,gemini,opencode',
          '# renew=true',
          'LLM_AUTH_CORP_GATEWAY_KEY=',
          'LLM_AUTH_CORP_PORTAL_SESSION=',
          '# END LLM AUTH SURFACE corp gateway-key',
          '',
        ].join('\n'),
    );
    expect(mode(store)).toBe('600');
    expect(listDir(dir)).toEqual(['.env', '.git', '.gitignore']);
  });

  it('takes the options: names, key path, clients (trimmed), session_command after session_env; trailing / removed', async () => {
    const { dir, store } = repo();
    writeStore(store, 'EXISTING=1');
    const r = await runCli(
      [
        'add-gateway',
        'corp-gw.eu',
        '--portal',
        'https://portal.example.com/',
        '--api-base',
        'https://llm.example.com/v1/',
        '--env',
        'CORP_KEY',
        '--session-env',
        'CORP_SESSION',
        '--key-path',
        '/api/keys',
        '--clients',
        ' claude , ,codex',
        '--session-command',
        'op read op://corp/portal/token',
      ],
      { cwd: dir },
    );
    expect(r.stdout).toBe('added corp-gw.eu gateway-key surface using CORP_KEY; next: llm-auth login corp-gw.eu\n');
    expect(fs.readFileSync(store, 'utf8')).toBe(
      [
        'EXISTING=1',
        '',
        '# BEGIN LLM AUTH SURFACE corp-gw.eu gateway-key',
        '# surface=corp-gw.eu',
        '# auth=gateway-key',
        '# portal=https://portal.example.com',
        '# key_path=/api/keys',
        '# api_base=https://llm.example.com/v1',
        '# env=CORP_KEY',
        '# session_env=CORP_SESSION',
        '# session_command=op read op://corp/portal/token',
        '# clients=claude,codex',
        '# renew=true',
        'CORP_KEY=',
        'CORP_SESSION=',
        '# END LLM AUTH SURFACE corp-gw.eu gateway-key',
        '',
      ].join('\n'),
    );
  });

  it('derives <S> from the surface name (corp-gw.eu -> CORP_GW_EU) and writes an empty client list for --clients ""', async () => {
    const { dir, store } = repo();
    expect((await add(dir, 'corp-gw.eu', '--clients', '')).stdout).toBe(
      'added corp-gw.eu gateway-key surface using LLM_AUTH_CORP_GW_EU_GATEWAY_KEY; next: llm-auth login corp-gw.eu\n',
    );
    const text = fs.readFileSync(store, 'utf8');
    expect(text).toContain('# session_env=LLM_AUTH_CORP_GW_EU_PORTAL_SESSION\n# clients=\n# renew=true\n');
  });

  const invalid: Array<[string, string[], string]> = [
    ['a bad surface name', ['bad name'], 'surface must contain only letters, digits, dot, underscore, or dash'],
    [
      'http to a remote host',
      ['corp', '--portal', 'http://portal.example.com'],
      'portal must be an https URL (http is allowed only for localhost)',
    ],
    [
      'an api_base that is no URL',
      ['corp', '--api-base', 'llm.example.com/v1'],
      'api_base must be an https URL (http is allowed only for localhost)',
    ],
    [
      'a lower-case name',
      ['corp', '--env', 'corp_key'],
      'env var name must be uppercase and contain only letters, digits, and underscore',
    ],
    ['equal names', ['corp', '--env', 'CORP_X', '--session-env', 'CORP_X'], '--session-env must differ from --env'],
    [
      'a client variable',
      ['corp', '--env', 'OPENAI_API_KEY'],
      "env var name 'OPENAI_API_KEY' is reserved for LLM clients; choose another name",
    ],
    [
      'an OpenCode variable',
      ['corp', '--session-env', 'LLM_GATEWAY_API_KEY'],
      "env var name 'LLM_GATEWAY_API_KEY' is reserved for LLM clients; choose another name",
    ],
    [
      'a prefix clients own',
      ['corp', '--session-env', 'GOOGLE_TOKEN'],
      "env var name 'GOOGLE_TOKEN' is reserved for LLM clients; choose another name",
    ],
    ['a name shells need', ['corp', '--env', 'PATH'], "env var name 'PATH' is reserved: programs and shells depend on it"],
    [
      "llm-auth's settings",
      ['corp', '--env', 'LLM_AUTH_CHATGPT_ISSUER'],
      "env var name 'LLM_AUTH_CHATGPT_ISSUER' is reserved: LLM_AUTH_* configures llm-auth itself",
    ],
    [
      'an unknown client',
      ['corp', '--clients', 'claude,cursor'],
      "unknown client 'cursor'; expected claude, codex, gemini, opencode, openai",
    ],
    ['a key path without /', ['corp', '--key-path', 'api/keys'], 'key_path must start with /'],
    ['a multi-line session command', ['corp', '--session-command', 'echo a\necho b'], 'session_command must be a single line'],
    [
      'credentials in the URL',
      ['corp', '--portal', 'https://me:pw@portal.example.com'],
      'portal must not contain a user name or password',
    ],
  ];
  for (const [label, args, message] of invalid) {
    it(`refuses ${label}: one error line, exit 1, nothing written`, async () => {
      const { dir, store } = repo();
      const [surface, ...rest] = args;
      // Later options win in commander, so a test's --portal or --api-base replaces the default one.
      const r = await runCli(['add-gateway', surface!, '--portal', PORTAL, '--api-base', API_BASE, ...rest], { cwd: dir });
      expect(r).toMatchObject({ code: 1, stdout: '', stderr: `error: ${message}\n` });
      expect(fs.existsSync(store)).toBe(false);
    });
  }

  it('allows http for localhost, 127.0.0.1 and ::1', async () => {
    for (const [i, host] of ['localhost:8080', '127.0.0.1:3000', '[::1]:3000'].entries()) {
      const { dir } = repo();
      const r = await runCli(['add-gateway', `c${i}`, '--portal', `http://${host}`, '--api-base', `http://${host}/v1`], {
        cwd: dir,
      });
      expect(r.code).toBe(0);
    }
  });

  it('missing --portal or --api-base is a usage error (exit 2)', async () => {
    const { dir, store } = repo();
    const r = await runCli(['add-gateway', 'corp', '--portal', PORTAL], { cwd: dir });
    expect(r).toMatchObject({
      code: 2,
      stdout: '',
      stderr: "error: required option '--api-base <url>' not specified\nhint: see llm-auth add-gateway --help\n",
    });
    expect(fs.existsSync(store)).toBe(false);
  });

  it('refuses a store the VCS does not ignore; there is no --allow-unignored', async () => {
    const { dir, store } = repo(false);
    const r = await add(dir, 'corp');
    expect(r).toMatchObject({
      code: 1,
      stderr: `error: refusing to write gateway surface to ${store}: ${store} is not ignored by git\nhint: add /.env to .gitignore\n`,
    });
    expect(fs.existsSync(store)).toBe(false);
    expect((await add(dir, 'corp', '--allow-unignored')).code).toBe(2);
  });

  it('refuses a second surface of the same name, and variables another surface uses', async () => {
    const { dir, store } = repo();
    expect((await add(dir, 'corp')).code).toBe(0);
    const before = fs.readFileSync(store, 'utf8');
    expect((await add(dir, 'corp')).stderr).toBe("error: gateway-key surface 'corp' already exists\n");
    expect((await add(dir, 'lab', '--env', 'LLM_AUTH_CORP_GATEWAY_KEY')).stderr).toBe(
      "error: env var 'LLM_AUTH_CORP_GATEWAY_KEY' already belongs to a surface\n",
    );
    expect((await add(dir, 'lab', '--session-env', 'LLM_AUTH_CORP_PORTAL_SESSION')).stderr).toBe(
      "error: env var 'LLM_AUTH_CORP_PORTAL_SESSION' already belongs to a surface\n",
    );
    expect(fs.readFileSync(store, 'utf8')).toBe(before);
  });

  it('as a process: exit 0 and the success line', async () => {
    const { dir } = repo();
    const r = await runBin(['add-gateway', 'corp', '--portal', PORTAL, '--api-base', API_BASE], { cwd: dir });
    expect(r).toMatchObject({
      code: 0,
      stderr: '',
      stdout: 'added corp gateway-key surface using LLM_AUTH_CORP_GATEWAY_KEY; next: llm-auth login corp\n',
    });
  });
});

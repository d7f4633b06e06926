import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CANARY, runCli } from '../helpers/cli.js';
import { gitRepo, mode, STORE_API_KEY, writeStore } from '../helpers/fs.js';
import { managedBlock } from '../helpers/chatgpt.js';

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
const jwt = (claims: unknown): string => `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.${CANARY.slice(0, 4)}sig`;

function repoWithStore(text: string): { dir: string; store: string } {
  const dir = gitRepo();
  fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
  const store = path.join(dir, '.env');
  writeStore(store, text);
  return { dir, store };
}

const chatgptBlock = (json: string, extra: string[] = []): string => `${managedBlock(json, extra)}\n`;
const researchApiKey = (stdout: string): boolean => (JSON.parse(stdout) as { research: { api_key: boolean } }).research.api_key;

describe('status', () => {
  it('prints {} for a missing store and writes nothing', async () => {
    const dir = gitRepo();
    const r = await runCli(['status'], { cwd: dir });
    expect(r).toMatchObject({ code: 0, stdout: '{}\n', stderr: '' });
    expect(fs.existsSync(path.join(dir, '.env'))).toBe(false);
  });

  it('prints the example document of core.md §10 exactly (ChatGPT and api-key under one name)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + 10925 + 30; // "3h 2m" whatever second the CLI reads the clock in
    const record = JSON.stringify({
      access_token: jwt({ exp: exp + 999, 'https://api.openai.com/auth': { chatgpt_account_id: 'acc-1' } }),
      account_id: 'acc-1',
      expires_at: exp,
      id_token: jwt({}),
      refresh_token: CANARY,
    });
    const { dir } = repoWithStore(
      chatgptBlock(record) +
        '\n' +
        STORE_API_KEY('chatgpt', 'OPENAI_API_KEY', 'sk-other-123456789').replace('# provider=openai\n', ''),
    );
    const r = await runCli(['status'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        '{',
        '  "chatgpt": [',
        '    {',
        '      "access_token": true,',
        '      "account_id": true,',
        '      "auth": "subscription-oauth",',
        '      "auth_json": true,',
        '      "env": "CHATGPT_AUTH_JSON",',
        '      "expired": false,',
        `      "expires_at": ${exp},`,
        '      "expires_in": "3h 2m",',
        '      "refresh_token": true',
        '    },',
        '    {',
        '      "api_key": true,',
        '      "auth": "api-key",',
        '      "env": "OPENAI_API_KEY",',
        '      "provider": null',
        '    }',
        '  ]',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('derives expiry from the access token exp, applies the 60 s skew, and shows unknown expiry as null', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[Record<string, unknown>, boolean, number | null]> = [
      [{ access_token: jwt({ exp: now + 30 }) }, true, now + 30],
      [{ access_token: jwt({ exp: now - 3700 }), expires_at: 'soon' }, true, now - 3700],
      [{ access_token: 'opaque', refresh_token: null }, false, null],
    ];
    for (const [record, expired, expiresAt] of cases) {
      const { dir } = repoWithStore(chatgptBlock(JSON.stringify(record)));
      const r = await runCli(['status', 'chatgpt'], { cwd: dir });
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout) as { chatgpt: Record<string, unknown> };
      expect(doc.chatgpt.expired).toBe(expired);
      expect(doc.chatgpt.expires_at).toBe(expiresAt);
      expect(doc.chatgpt.refresh_token).toBe(false);
      expect(doc.chatgpt.account_id).toBe(false);
      if (expiresAt === null) expect(doc.chatgpt.expires_in).toBeNull();
    }
  });

  it('lets the environment win over the file, even when empty', async () => {
    const { dir } = repoWithStore(STORE_API_KEY('research', 'OPENAI_API_KEY', CANARY));
    const fromFile = await runCli(['status', 'research'], { cwd: dir });
    expect(researchApiKey(fromFile.stdout)).toBe(true);
    const emptied = await runCli(['status', 'research'], { cwd: dir, env: { OPENAI_API_KEY: '' } });
    expect(researchApiKey(emptied.stdout)).toBe(false);
    const blank = await runCli(['status', 'research'], { cwd: dir, env: { OPENAI_API_KEY: ' \t' } });
    expect(researchApiKey(blank.stdout)).toBe(false);
  });

  it('reports other modes as configured or not', async () => {
    const { dir } = repoWithStore(
      '# BEGIN LLM AUTH SURFACE custom weird-mode\nA=\nB=x\n# END LLM AUTH SURFACE custom weird-mode\n' +
        '# BEGIN LLM AUTH SURFACE none weird-mode\n# END LLM AUTH SURFACE none weird-mode\n',
    );
    const r = await runCli(['status'], { cwd: dir });
    expect(r.stdout).toBe(
      '{\n  "custom": {\n    "auth": "weird-mode",\n    "configured": true,\n    "env": "A"\n  },\n  "none": {\n    "auth": "weird-mode",\n    "configured": false,\n    "env": null\n  }\n}\n',
    );
  });

  it('fails an unknown surface with exit 2 and the available names in file order', async () => {
    const { dir } = repoWithStore(
      STORE_API_KEY('b', 'B_KEY', 'x') + STORE_API_KEY('a', 'A_KEY', 'y') + STORE_API_KEY('b', 'C_KEY', 'z'),
    );
    const r = await runCli(['status', "it's"], { cwd: dir });
    expect(r).toMatchObject({ code: 2, stdout: '', stderr: `error: unknown auth surface "it's"; available: b, a\n` });
    const empty = await runCli(['status', 'x'], { cwd: gitRepo() });
    expect(empty).toMatchObject({ code: 2, stderr: "error: unknown auth surface 'x'; available: none\n" });
  });

  it('fails on a CHATGPT_AUTH_JSON that is not JSON or not an object, printing nothing on stdout', async () => {
    // The Python tool's line, and a hint with the path and line of the value.
    const at = (dir: string): string => {
      const file = path.join(dir, '.env');
      const line =
        fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .findIndex((l) => l.startsWith('CHATGPT_AUTH_JSON=')) + 1;
      return `hint: the value is at ${file}:${line}\n`;
    };
    const bad = repoWithStore(chatgptBlock(`{"refresh_token": "${CANARY}"`));
    expect(await runCli(['status'], { cwd: bad.dir })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `error: CHATGPT_AUTH_JSON did not contain valid JSON\n${at(bad.dir)}`,
    });
    const list = repoWithStore(chatgptBlock(`["${CANARY}"]`));
    expect(await runCli(['status'], { cwd: list.dir })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `error: CHATGPT_AUTH_JSON did not contain a JSON object\n${at(list.dir)}`,
    });
    // The environment's value is the effective one.
    const ok = repoWithStore(chatgptBlock('{}'));
    const r = await runCli(['status'], { cwd: ok.dir, env: { CHATGPT_AUTH_JSON: '42' } });
    expect(r).toMatchObject({
      code: 1,
      stderr:
        'error: CHATGPT_AUTH_JSON did not contain a JSON object\nhint: the value is in the environment (CHATGPT_AUTH_JSON)\n',
    });
  });

  it('never writes: bytes and mode stay', async () => {
    const { dir, store } = repoWithStore(STORE_API_KEY('research', 'OPENAI_API_KEY', CANARY));
    const before = fs.readFileSync(store);
    await runCli(['status'], { cwd: dir });
    expect(fs.readFileSync(store).equals(before)).toBe(true);
    expect(mode(store)).toBe('600');
    expect(fs.readdirSync(dir).sort()).toEqual(['.env', '.git', '.gitignore']);
  });
});

describe('status for a person', () => {
  it('with no store: stdout stays {}, and at a terminal a hint says what to do', async () => {
    const dir = gitRepo();
    const store = path.join(dir, '.env');
    expect(await runCli(['status'], { cwd: dir })).toMatchObject({ code: 0, stdout: '{}\n', stderr: '' });
    expect(await runCli(['status'], { cwd: dir, stdoutIsTTY: true })).toMatchObject({
      code: 0,
      stdout: '{}\n',
      stderr: `hint: no store at ${store}; add a surface with llm-auth add-api-key <surface> <provider> --key -\n`,
    });
  });

  it('--human: one row per surface with mode, configured, source and expiry', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { dir } = repoWithStore(
      STORE_API_KEY('research', 'OPENAI_RESEARCH_KEY', CANARY) +
        STORE_API_KEY('empty', 'EMPTY_KEY', '') +
        managedBlock(JSON.stringify({ access_token: 'a', refresh_token: 'r', expires_at: now + 7200 + 30 })),
    );
    const r = await runCli(['status', '--human'], { cwd: dir, env: { EMPTY_KEY: '' } });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(
      [
        'SURFACE   MODE                CONFIGURED  SOURCE  EXPIRES',
        'research  api-key             yes         file    -',
        'empty     api-key             no          -       -',
        'chatgpt   subscription-oauth  yes         file    in 2h 0m',
        '',
      ].join('\n'),
    );
    expect((await runCli(['status'], { cwd: dir })).stdout.startsWith('{\n')).toBe(true);
  });
});

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as dotenvParse } from 'dotenv';
import { describe, expect, it } from 'vitest';
import { assertNoCanary, BIN, CANARY, CANARY_QUOTED, runBin, runCli } from '../helpers/cli.js';
import { gitRepo, listDir, mode, tmpDir, writeStore } from '../helpers/fs.js';
import { testEnv } from '../helpers/runtime.js';
import { hasScript } from '../helpers/terminal.js';
import { HEADER_LINES } from '../../src/store/document.js';

const HEADER = HEADER_LINES.join('\n');

function repo(): { dir: string; store: string } {
  const dir = gitRepo();
  fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
  return { dir, store: path.join(dir, '.env') };
}

describe('add-api-key', () => {
  it('creates the store with the header and the example block of core.md §9.3, mode 0600', async () => {
    const { dir, store } = repo();
    const r = await runCli(
      [
        'add-api-key',
        'evals',
        'OpenRouter',
        '--env',
        'OPENROUTER_API_KEY',
        '--model',
        'openrouter/openai/gpt-5.4-mini',
        '--api-base',
        'https://openrouter.ai/api/v1',
        '--key',
        'sk or "x"',
      ],
      { cwd: dir },
    );
    expect(r).toMatchObject({
      code: 0,
      stderr: '',
      stdout: 'added evals api-key surface for OpenRouter using OPENROUTER_API_KEY (with key)\n',
    });
    expect(fs.readFileSync(store, 'utf8')).toBe(
      `${HEADER}\n\n` +
        [
          '# BEGIN LLM AUTH SURFACE evals api-key',
          '# surface=evals',
          '# provider=openrouter',
          '# auth=api-key',
          '# env=OPENROUTER_API_KEY',
          '# model=openrouter/openai/gpt-5.4-mini',
          '# api_base=https://openrouter.ai/api/v1',
          `OPENROUTER_API_KEY='sk or "x"'`,
          '# END LLM AUTH SURFACE evals api-key',
          '',
        ].join('\n'),
    );
    expect(mode(store)).toBe('600');
    expect(listDir(dir)).toEqual(['.env', '.git', '.gitignore']);
  });

  it('derives the variable name (core.md §9.1 examples)', async () => {
    const cases: Array<[string, string, string]> = [
      ['research', 'openai', 'OPENAI_RESEARCH_API_KEY'],
      ['team.eval', 'open-router', 'OPEN_ROUTER_TEAM_EVAL_API_KEY'],
      ['a__b', 'OpenAI', 'OPENAI_A_B_API_KEY'],
      ['9x', '1prov', 'LLM_1PROV_9X_API_KEY'],
    ];
    const { dir } = repo();
    for (const [surface, provider, env] of cases) {
      const r = await runCli(['add-api-key', surface, provider], { cwd: dir });
      expect(r.stdout).toBe(`added ${surface} api-key surface for ${provider} using ${env} (without key)\n`);
    }
    const text = fs.readFileSync(path.join(dir, '.env'), 'utf8');
    expect(text).toContain(
      '# provider=open-router\n# auth=api-key\n# env=OPEN_ROUTER_TEAM_EVAL_API_KEY\nOPEN_ROUTER_TEAM_EVAL_API_KEY=\n',
    );
    const status = await runCli(['status', '9x'], { cwd: dir });
    expect(JSON.parse(status.stdout)).toEqual({
      '9x': { api_key: false, auth: 'api-key', env: 'LLM_1PROV_9X_API_KEY', provider: '1prov' },
    });
  });

  it('appends after existing bytes: foreign lines, comments, CRLF and BOM survive byte for byte', async () => {
    const { dir, store } = repo();
    const original = Buffer.from('\ufeff# mine\r\nFOO="bar baz" # note\r\nexport X=1\r\n\u00e9=\u2028odd', 'utf8');
    writeStore(store, original);
    const r = await runCli(['add-api-key', 'research', 'openai', '--key', CANARY], { cwd: dir });
    expect(r.code).toBe(0);
    const after = fs.readFileSync(store);
    expect(after.subarray(0, original.length).equals(original)).toBe(true);
    expect(after.subarray(original.length).toString('utf8')).toBe(
      '\r\n\r\n# BEGIN LLM AUTH SURFACE research api-key\r\n# surface=research\r\n# provider=openai\r\n# auth=api-key\r\n# env=OPENAI_RESEARCH_API_KEY\r\n' +
        `OPENAI_RESEARCH_API_KEY=${CANARY}\r\n# END LLM AUTH SURFACE research api-key\r\n`,
    );
  });

  it('writes keys that Node dotenv and llm-auth read back identically; `--key ""` is with key', async () => {
    const { dir, store } = repo();
    await runCli(['add-api-key', 'a', 'openai', '--key', CANARY_QUOTED], { cwd: dir });
    await runCli(['add-api-key', 'b', 'openai', '--key', `it's`], { cwd: dir });
    const empty = await runCli(['add-api-key', 'c', 'openai', '--key', ''], { cwd: dir });
    expect(empty.stdout).toBe('added c api-key surface for openai using OPENAI_C_API_KEY (with key)\n');
    const text = fs.readFileSync(store, 'utf8');
    expect(text).toContain(`OPENAI_A_API_KEY='${CANARY_QUOTED}'\n`);
    expect(text).toContain(`OPENAI_B_API_KEY="it's"\n`);
    expect(text).toContain(`OPENAI_C_API_KEY=''\n`);
    expect(dotenvParse(text).OPENAI_A_API_KEY).toBe(CANARY_QUOTED);
    const status = JSON.parse((await runCli(['status'], { cwd: dir })).stdout) as Record<string, { api_key: boolean }>;
    expect([status.a!.api_key, status.b!.api_key, status.c!.api_key]).toEqual([true, true, false]);
  });

  it('refuses duplicates under the lock, checking envelopes only', async () => {
    const { dir, store } = repo();
    writeStore(store, 'OPENAI_X_API_KEY=outside-envelopes-is-fine\n');
    expect((await runCli(['add-api-key', 'x', 'openai'], { cwd: dir })).code).toBe(0);
    const before = fs.readFileSync(store);
    expect(await runCli(['add-api-key', 'x', 'other', '--key', CANARY], { cwd: dir })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: "error: api-key surface 'x' already exists\n",
    });
    expect(await runCli(['add-api-key', 'y', 'openai', '--env', 'OPENAI_X_API_KEY'], { cwd: dir })).toMatchObject({
      code: 1,
      stderr: "error: env var 'OPENAI_X_API_KEY' already belongs to a surface\n",
    });
    expect(fs.readFileSync(store).equals(before)).toBe(true);
    expect(listDir(dir)).toEqual(['.env', '.git', '.gitignore']);
    // The same name with another mode is allowed.
    fs.appendFileSync(store, '# BEGIN LLM AUTH SURFACE z weird\n# END LLM AUTH SURFACE z weird\n');
    expect((await runCli(['add-api-key', 'z', 'openai'], { cwd: dir })).code).toBe(0);
  });

  it('validates names and single-line metadata with the exact messages, writing nothing', async () => {
    const { dir, store } = repo();
    const cases: Array<[string[], string]> = [
      [['add-api-key', 'bad name', 'openai'], 'surface must contain only letters, digits, dot, underscore, or dash'],
      [['add-api-key', 'a\n', 'openai'], 'surface must contain only letters, digits, dot, underscore, or dash'],
      [
        ['add-api-key', 'a', 'openai', '--env', 'lower'],
        'env var name must be uppercase and contain only letters, digits, and underscore',
      ],
      [['add-api-key', 'a', '  '], 'provider is required'],
      [
        ['add-api-key', 'a', 'openai', '--env', 'CHATGPT_AUTH_JSON'],
        "env var name 'CHATGPT_AUTH_JSON' is reserved: it holds the managed ChatGPT record",
      ],
      [['add-api-key', 'a', 'openai', '--env', 'PATH'], "env var name 'PATH' is reserved: programs and shells depend on it"],
      [['add-api-key', 'a', 'openai', '--env', '_'], "env var name '_' is reserved: programs and shells depend on it"],
      [
        ['add-api-key', 'a', 'openai', '--env', 'LD_PRELOAD'],
        "env var name 'LD_PRELOAD' is reserved: programs and shells depend on it",
      ],
      [
        ['add-api-key', 'a', 'openai', '--env', 'LLM_AUTH_HOME'],
        "env var name 'LLM_AUTH_HOME' is reserved: LLM_AUTH_* configures llm-auth itself",
      ],
      [['add-api-key', 'x', 'llm-auth'], "env var name 'LLM_AUTH_X_API_KEY' is reserved: LLM_AUTH_* configures llm-auth itself"],
      [['add-api-key', 'a', 'open\nai', '--env', 'K'], 'provider must be a single line'],
      [['add-api-key', 'a', 'openai', '--model', 'gpt\u2028x'], 'model must be a single line'],
      [['add-api-key', 'a', 'openai', '--api-base', 'https://x\r# BEGIN'], 'api_base must be a single line'],
    ];
    for (const [args, message] of cases) {
      expect(await runCli(args, { cwd: dir })).toMatchObject({ code: 1, stdout: '', stderr: `error: ${message}\n` });
    }
    expect(fs.existsSync(store)).toBe(false);
  });

  it('refuses an unignored store unless --allow-unignored, which skips only that check and warns', async () => {
    const dir = gitRepo();
    const store = path.join(dir, '.env');
    expect(await runCli(['add-api-key', 'a', 'openai'], { cwd: dir })).toMatchObject({
      code: 1,
      stderr:
        `error: refusing to write API key surface to ${store}: ${store} is not ignored by git\n` +
        'hint: add /.env to .gitignore, or pass --allow-unignored to write it anyway\n',
    });
    expect(fs.existsSync(store)).toBe(false);
    // The write succeeds, and says that every later command will refuse the file until it is ignored.
    expect(await runCli(['add-api-key', 'a', 'openai', '--allow-unignored'], { cwd: dir })).toMatchObject({
      code: 0,
      stdout: 'added a api-key surface for openai using OPENAI_A_API_KEY (without key)\n',
      stderr: `warning: ${store} is not ignored by git; add /.env to .gitignore; until then status, test, renew and login refuse it\n`,
    });
    expect((await runCli(['status'], { cwd: dir })).stderr).toBe(
      `error: ${store} is not ignored by git; add /.env to .gitignore\n`,
    );
    // Tracked is still refused.
    const { execFileSync } = await import('node:child_process');
    execFileSync('git', ['add', '-f', '.env'], { cwd: dir });
    expect(await runCli(['add-api-key', 'b', 'openai', '--allow-unignored'], { cwd: dir })).toMatchObject({
      code: 1,
      stderr: `error: ${store} is tracked by git; untrack it (git rm --cached .env) and rotate the secrets it held\n`,
    });
  });

  it('refuses a store with open permissions, with the exact message', async () => {
    const { dir, store } = repo();
    writeStore(store, `K=${CANARY}\n`);
    for (const m of [0o644, 0o640, 0o604]) {
      fs.chmodSync(store, m);
      const expected = `error: ${store} permissions ${m.toString(8)} are too open; run: chmod 600 ${store}\n`;
      expect(await runCli(['add-api-key', 'a', 'openai'], { cwd: dir })).toMatchObject({ code: 1, stdout: '', stderr: expected });
      expect(await runCli(['status'], { cwd: dir })).toMatchObject({ code: 1, stdout: '', stderr: expected });
    }
    expect(fs.readFileSync(store, 'utf8')).toBe(`K=${CANARY}\n`);
  });

  it('fails on a malformed store before anything else, even with invalid arguments', async () => {
    const { dir, store } = repo();
    writeStore(store, '# BEGIN LLM AUTH SURFACE a api-key\n');
    expect(await runCli(['add-api-key', 'bad name', 'openai'], { cwd: dir })).toMatchObject({
      code: 1,
      stderr: `error: auth surface envelope opened at ${store}:1 without a matching END marker\n`,
    });
  });
});

describe('add-api-key --key -', () => {
  it('reads the key from stdin: one line, the terminator dropped', async () => {
    const { dir, store } = repo();
    const r = await runBin(['add-api-key', 'research', 'openai', '--key', '-'], { cwd: dir, stdin: `${CANARY}\n` });
    expect(r).toMatchObject({
      code: 0,
      stderr: '',
      stdout: 'added research api-key surface for openai using OPENAI_RESEARCH_API_KEY (with key)\n',
    });
    expect(fs.readFileSync(store, 'utf8')).toContain(`\nOPENAI_RESEARCH_API_KEY=${CANARY}\n`);
  });

  it('refuses an empty stdin or more than one line, writing nothing', async () => {
    for (const [stdin, message] of [
      ['', 'no key received on stdin'],
      ['  \n', 'no key received on stdin'],
      [`${CANARY}\nsecond line\n`, '--key - reads one line, and stdin had more'],
    ] as const) {
      const { dir, store } = repo();
      const r = await runCli(['add-api-key', 'research', 'openai', '--key', '-'], { cwd: dir, stdin });
      expect(r).toMatchObject({ code: 1, stdout: '', stderr: `error: ${message}\n` });
      expect(fs.existsSync(store)).toBe(false);
    }
  });

  it.skipIf(!hasScript)('at a terminal, asks with a prompt that does not echo', async () => {
    const { dir, store } = repo();
    const transcript = path.join(tmpDir(), 'typescript');
    const child = spawn('script', ['-qec', `exec ${BIN} add-api-key research openai --key -`, transcript], {
      cwd: dir,
      env: testEnv({ cwd: dir }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('(input is hidden): ') && !out.includes('typed')) {
        out += 'typed';
        child.stdin.write(`${CANARY}\r`);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(out).toContain('Paste the API key (input is hidden): ');
    assertNoCanary(out, 'the terminal');
    expect(fs.readFileSync(store, 'utf8')).toContain(`\nOPENAI_RESEARCH_API_KEY=${CANARY}\n`);
  });
});

describe('add-api-key over a variable already in the store', () => {
  it('moves an assignment outside the envelopes into the new envelope, bytes unchanged, and says so', async () => {
    const { dir, store } = repo();
    writeStore(store, `# my keys\nOTHER=1\nOPENAI_API_KEY = '${CANARY}'  \nLAST=2\n`);
    const r = await runCli(['add-api-key', 'main', 'openai', '--env', 'OPENAI_API_KEY'], { cwd: dir });
    expect(r).toMatchObject({
      code: 0,
      stderr: '',
      stdout: 'added main api-key surface for openai using OPENAI_API_KEY (adopted the existing value)\n',
    });
    expect(fs.readFileSync(store, 'utf8')).toBe(
      [
        '# my keys',
        'OTHER=1',
        'LAST=2',
        '',
        '# BEGIN LLM AUTH SURFACE main api-key',
        '# surface=main',
        '# provider=openai',
        '# auth=api-key',
        '# env=OPENAI_API_KEY',
        `OPENAI_API_KEY = '${CANARY}'  `,
        '# END LLM AUTH SURFACE main api-key',
        '',
      ].join('\n'),
    );
    // Every reader now sees the one value: llm-auth (first assignment) and dotenv (last one).
    expect((await runCli(['status', 'main'], { cwd: dir })).stdout).toContain('"api_key": true');
  });

  it('with --key, refuses and names the line; twice outside, refuses too', async () => {
    const { dir, store } = repo();
    writeStore(store, `OTHER=1\nOPENAI_API_KEY=${CANARY}\n`);
    const r = await runCli(['add-api-key', 'main', 'openai', '--env', 'OPENAI_API_KEY', '--key', 'sk-new-value-123'], {
      cwd: dir,
    });
    expect(r).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `error: OPENAI_API_KEY is already assigned outside any envelope (${store}:2); remove that line, or add the surface without --key to adopt its value\n`,
    });
    writeStore(store, `OPENAI_API_KEY=${CANARY}\nX=1\nOPENAI_API_KEY=\n`);
    const twice = await runCli(['add-api-key', 'main', 'openai', '--env', 'OPENAI_API_KEY'], { cwd: dir });
    expect(twice.stderr).toBe(
      `error: OPENAI_API_KEY is assigned 2 times outside any envelope (${store}:1, ${store}:3); keep one and try again\n`,
    );
    expect(fs.readFileSync(store, 'utf8')).toBe(`OPENAI_API_KEY=${CANARY}\nX=1\nOPENAI_API_KEY=\n`);
  });
});

describe('add-api-key with its arguments swapped', () => {
  it('refuses a surface name or provider that looks like a key, printing nothing of it (exit 2)', async () => {
    const usage = 'usage: llm-auth add-api-key <surface> <provider> --key -  (the key comes last, on stdin)';
    for (const [args, label] of [
      [[CANARY, 'openai'], 'surface name'],
      [['sk-ant-api03-abcdefghijklmnop', 'anthropic'], 'surface name'],
      [['main', 'Zx9Qm2Lp7Rt4Vb8Nc3Kd6Hf1Gj5'], 'provider'],
      [['main', 'AIzaSyD-abcdefghijklmnop'], 'provider'],
    ] as const) {
      const { dir, store } = repo();
      const r = await runCli(['add-api-key', ...args], { cwd: dir });
      expect(r).toMatchObject({
        code: 2,
        stdout: '',
        stderr: `error: the ${label} looks like an API key, not shown; ${usage}\n`,
      });
      expect(r.stderr).not.toContain(args[0] === 'main' ? args[1] : args[0]);
      expect(fs.existsSync(store)).toBe(false);
    }
  });

  it('names that are names still pass', async () => {
    const { dir } = repo();
    const r = await runCli(['add-api-key', 'team.eval-2024_b', 'open-router'], { cwd: dir });
    expect(r).toMatchObject({
      code: 0,
      stdout: 'added team.eval-2024_b api-key surface for open-router using OPEN_ROUTER_TEAM_EVAL_2024_B_API_KEY (without key)\n',
    });
  });
});

// `env` (commands.md §3), `exec` (§5) and `logout` (§6): exports per mode, conflicts, formats that real
// shells read back, the child's environment, exit status and signals, and what logout leaves behind.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, runBin, runCli } from '../helpers/cli.js';
import { FakeClock, testEnv } from '../helpers/runtime.js';
import { STORE_API_KEY, tmpDir, writeStore } from '../helpers/fs.js';
import { hasScript } from '../helpers/terminal.js';
import { chatgptRepo, HEADER, managedBlock, recordJson } from '../helpers/chatgpt.js';
import { gatewayBlock, gatewayRepo, storedMetadata, storedValue } from '../helpers/gateway.js';
import { FakeGateway } from '../fakes/gateway.js';
import { FakeChatGPT } from '../fakes/chatgpt.js';
import { parseAssignments } from '../../src/store/values.js';

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
let fake: FakeGateway;
let chatgpt: FakeChatGPT;
let clock: FakeClock;
beforeAll(async () => {
  fake = await new FakeGateway().start();
  chatgpt = await new FakeChatGPT().start();
});
afterAll(async () => {
  await fake.close();
  await chatgpt.close();
});
beforeEach(() => {
  clock = new FakeClock(NOW);
  fake.reset(clock);
});

const cli = (dir: string, args: string[], env: Record<string, string> = {}) =>
  runCli(args, { cwd: dir, clock, env, secretsOnStdout: true });

/** A gateway surface whose key is valid for six more hours of the fake's clock (no request needed) with the given clients. */
function gateway(clients: string, name = 'corp') {
  const key = fake.setKey();
  const expires = new Date(fake.now() + 6 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const block = gatewayBlock(fake, { name, key, session: fake.session(), clients, extra: [`# expires_at=${expires}`] });
  return { block, key };
}

const HARD = `it's a \\ "mix"\nsecond line é ☃`;

describe('env', () => {
  it('the example of §3.4: claude and gemini clients, unsets first, then sets, each sorted', async () => {
    const { block, key } = gateway('claude,gemini');
    const { dir } = gatewayRepo(block);
    const r = await cli(dir, ['env', 'corp']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(
      [
        'unset ANTHROPIC_API_KEY',
        'unset CLAUDE_CODE_USE_BEDROCK',
        'unset CLAUDE_CODE_USE_FOUNDRY',
        'unset CLAUDE_CODE_USE_VERTEX',
        'unset GOOGLE_API_KEY',
        'unset GOOGLE_GENAI_USE_GCA',
        'unset GOOGLE_GENAI_USE_VERTEXAI',
        `export ANTHROPIC_AUTH_TOKEN='${key}'`,
        `export ANTHROPIC_BASE_URL='${fake.origin}'`,
        `export GEMINI_API_KEY='${key}'`,
        `export GOOGLE_GEMINI_BASE_URL='${fake.origin}'`,
        '',
      ].join('\n'),
    );
  });

  it('json with clients=claude matches the worked example; codex/openai and opencode variables', async () => {
    const { block, key } = gateway('claude');
    const { dir } = gatewayRepo(block);
    const r = await cli(dir, ['env', 'corp', '--format', 'json', '--no-renew']);
    expect(JSON.parse(r.stdout)).toEqual({
      ANTHROPIC_API_KEY: null,
      ANTHROPIC_AUTH_TOKEN: key,
      ANTHROPIC_BASE_URL: fake.origin,
      CLAUDE_CODE_USE_BEDROCK: null,
      CLAUDE_CODE_USE_FOUNDRY: null,
      CLAUDE_CODE_USE_VERTEX: null,
    });
    expect(r.stdout.endsWith('\n}\n')).toBe(true);
    const other = gateway('codex,opencode', 'lab');
    const { dir: d2 } = gatewayRepo(other.block);
    expect(JSON.parse((await cli(d2, ['env', 'lab', '--format', 'json'])).stdout)).toEqual({
      LLM_GATEWAY_API_KEY: other.key,
      LLM_GATEWAY_BASE_URL: fake.apiBase,
      OPENAI_API_BASE: null,
      OPENAI_API_KEY: other.key,
      OPENAI_BASE_URL: fake.apiBase,
    });
  });

  it('never exports the envelope’s own variables, and writes no client variable to the store', async () => {
    const { block } = gateway('claude,codex,gemini,opencode');
    const { dir, store } = gatewayRepo(block);
    const before = fs.readFileSync(store, 'utf8');
    const r = await cli(dir, ['env', 'corp']);
    expect(r.stdout).not.toContain('LLM_AUTH_CORP');
    expect(fs.readFileSync(store, 'utf8')).toBe(before);
  });

  it('api-key surfaces: every non-blank variable of the envelope; implicit selection skips a blank one with a warning', async () => {
    const { dir } = chatgptRepo(
      STORE_API_KEY('research', 'OPENAI_RESEARCH_KEY', 'sk-r1', ['EXTRA_MODEL=gpt-4.1']) +
        STORE_API_KEY('empty', 'EMPTY_KEY', ''),
    );
    const r = await cli(dir, ['env']);
    expect(r).toMatchObject({
      code: 0,
      stdout: "export EXTRA_MODEL='gpt-4.1'\nexport OPENAI_RESEARCH_KEY='sk-r1'\n",
      stderr: "warning: EMPTY_KEY is missing; surface 'empty' not exported\n",
    });
    expect(await cli(dir, ['env', 'empty'])).toMatchObject({ code: 1, stdout: '', stderr: 'error: EMPTY_KEY is missing\n' });
  });

  it('a gateway surface with no key and no session is skipped when implicit', async () => {
    const { dir } = gatewayRepo(gatewayBlock(fake));
    expect(await cli(dir, ['env'])).toMatchObject({
      code: 0,
      stdout: '',
      stderr: "warning: surface 'corp' has no key and no portal session; run `llm-auth login corp`\n",
    });
    expect((await cli(dir, ['env', '--format', 'json'])).stdout).toBe('{}\n');
  });

  it('two surfaces setting one variable: exit 2 before any request', async () => {
    const a = gateway('claude', 'corp');
    const b = gateway('claude', 'lab');
    const { dir } = gatewayRepo(a.block.replace(/# expires_at=.*\n/, ''), b.block);
    const start = fake.requests.length;
    expect(await cli(dir, ['env'])).toMatchObject({
      code: 2,
      stdout: '',
      stderr: "error: surfaces 'corp' and 'lab' both set ANTHROPIC_BASE_URL; choose one\n",
    });
    expect(fake.requests.length).toBe(start);
  });

  it('ChatGPT only when named, with the shadowing warning; unknown format is a usage error', async () => {
    const f = chatgpt.issue();
    const { dir, store } = chatgptRepo(`${HEADER}\n\n${managedBlock(recordJson(f))}\n`);
    expect((await runCli(['env'], { cwd: dir, env: chatgpt.env() })).stdout).toBe('');
    const r = await runCli(['env', 'chatgpt', '--format', 'dotenv'], { cwd: dir, env: chatgpt.env(), secretsOnStdout: true });
    expect(r.stderr).toBe(
      `warning: exporting CHATGPT_AUTH_JSON into a shell shadows ${store} after the next refresh; prefer llm-auth exec\n`,
    );
    expect(JSON.parse(parseAssignments(r.stdout).get('CHATGPT_AUTH_JSON')!)).toMatchObject({
      access_token: f.access,
      refresh_token: f.refresh,
    });
    expect(await cli(dir, ['env', '--format', 'zsh'])).toMatchObject({
      code: 2,
      stderr: "error: unknown format 'zsh'; expected sh, fish, powershell, dotenv, json\n",
    });
  });

  it("each format reads back the value it wrote: sh's eval, fish, the store reader, dotenv, JSON.parse", async () => {
    const dir = chatgptRepo().dir;
    writeStore(
      path.join(dir, '.env'),
      STORE_API_KEY('hard', 'HARD_KEY', `"${HARD.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`),
    );
    const out = async (format: string) => (await cli(dir, ['env', 'hard', '--format', format])).stdout;
    const sh = execFileSync('sh', ['-c', `eval "$1"; printf '%s' "$HARD_KEY"`, 'sh', await out('sh')], { encoding: 'utf8' });
    expect(sh).toBe(HARD);
    expect(parseAssignments(await out('dotenv')).get('HARD_KEY')).toBe(HARD);
    expect(JSON.parse(await out('json'))).toEqual({ HARD_KEY: HARD });
    expect(await out('powershell')).toBe(`$env:HARD_KEY = '${HARD.replace(/'/g, "''")}'\n`);
    const hasFish = (() => {
      try {
        execFileSync('fish', ['--version'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();
    if (hasFish) {
      const fish = execFileSync(
        'fish',
        ['--no-config', '-c', 'eval $argv[1]; printf "%s" "$HARD_KEY"', (await out('fish')).trimEnd()],
        {
          encoding: 'utf8',
        },
      );
      expect(fish).toBe(HARD);
    }
  });
});

describe('exec', () => {
  /** A child that prints its environment as JSON. */
  const printEnv = ['node', '-e', 'process.stdout.write(JSON.stringify(process.env))'];

  it('the child gets the exports, minus the unsets, and nothing else of the .env', async () => {
    fake.reset({ now: () => Date.now() }); // the subprocess reads the real clock: key and session must be live by it
    const { block, key } = gateway('claude');
    const { dir } = gatewayRepo(block, STORE_API_KEY('other', 'OTHER_KEY', 'sk-other-not-exported'));
    const r = await runBin(['exec', 'corp', '--', ...printEnv], {
      cwd: dir,
      env: { ANTHROPIC_API_KEY: 'sk-ant-stale', KEEP_ME: 'yes' },
      secretsOnStdout: true,
    });
    expect(r.code).toBe(0);
    const env = JSON.parse(r.stdout) as Record<string, string>;
    expect(env.ANTHROPIC_AUTH_TOKEN).toBe(key);
    expect(env.ANTHROPIC_BASE_URL).toBe(fake.origin);
    expect(env.ANTHROPIC_API_KEY).toBeUndefined();
    expect(env.KEEP_ME).toBe('yes');
    expect(env.OTHER_KEY).toBeUndefined();
    expect(env.LLM_AUTH_CORP_GATEWAY_KEY).toBeUndefined();
    expect(env.LLM_AUTH_CORP_PORTAL_SESSION).toBeUndefined();
  });

  it("propagates the child's exit code, and runs it in the caller's directory without a shell", async () => {
    const { dir } = chatgptRepo(STORE_API_KEY('research', 'OPENAI_RESEARCH_KEY', 'sk-r1'));
    const elsewhere = tmpDir();
    const r = await runBin(
      ['--env-file', path.join(dir, '.env'), 'exec', 'research', '--', 'sh', '-c', 'pwd; echo "$1"; exit 7', 'x', '$HOME;*'],
      {
        cwd: elsewhere,
      },
    );
    expect(r).toMatchObject({ code: 7, stdout: `${elsewhere}\n$HOME;*\n`, stderr: '' });
  });

  it('127 for a command that does not exist, 126 for one that cannot run; nothing runs without -- or a command', async () => {
    const { dir } = chatgptRepo(STORE_API_KEY('research', 'OPENAI_RESEARCH_KEY', 'sk-r1'));
    fs.writeFileSync(path.join(dir, 'not-exec'), '#!/bin/sh\necho hi\n', { mode: 0o644 });
    expect(await runBin(['exec', 'research', '--', 'no-such-command-xyz'], { cwd: dir })).toMatchObject({
      code: 127,
      stderr: 'error: command not found: no-such-command-xyz\n',
    });
    expect(await runBin(['exec', 'research', '--', './not-exec'], { cwd: dir })).toMatchObject({
      code: 126,
      stderr: 'error: cannot run ./not-exec: permission denied\n',
    });
    expect(await runCli(['exec', 'research'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: 'error: exec needs -- before the command\n',
    });
    expect(await runCli(['exec', 'research', '--'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: 'error: exec needs a command after --\n',
    });
  });

  it('a child killed by a signal: llm-auth dies of the same signal', async () => {
    const { dir } = chatgptRepo(STORE_API_KEY('research', 'OPENAI_RESEARCH_KEY', 'sk-r1'));
    const r = await runBin(['exec', 'research', '--', 'sh', '-c', 'kill -TERM $$'], { cwd: dir });
    expect(r).toMatchObject({ code: null, signal: 'SIGTERM' });
  });

  it('forwards SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 to the child and waits for it; SIGINT too when stdin is not a TTY', async () => {
    const { dir } = chatgptRepo(STORE_API_KEY('research', 'OPENAI_RESEARCH_KEY', 'sk-r1'));
    const script = path.join(tmpDir(), 'child.sh');
    // The child reports each signal, and ends after SIGTERM with code 42.
    fs.writeFileSync(
      script,
      '#!/bin/sh\nfor s in HUP USR1 USR2 INT; do trap "echo got-$s" $s; done\ntrap \'echo got-TERM; exit 42\' TERM\necho ready\nwhile :; do sleep 0.05; done\n',
      { mode: 0o755 },
    );
    const child = spawn(BIN, ['exec', 'research', '--', script], {
      cwd: dir,
      env: testEnv({ cwd: dir }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    const signals: NodeJS.Signals[] = ['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGINT', 'SIGTERM'];
    const seen = new Promise<void>((resolve) => {
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const lines = out.split('\n');
        const next = signals[lines.filter((l) => l.startsWith('got-')).length];
        if (lines.includes('ready') && next && !out.includes(`sent-${next}`)) {
          out += `sent-${next}\n`;
          child.kill(next);
        }
        if (out.includes('got-TERM')) resolve();
      });
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    await seen;
    expect(code).toBe(42);
    for (const s of ['HUP', 'USR1', 'USR2', 'INT', 'TERM']) expect(out).toContain(`got-${s}\n`);
  });

  it('Ctrl-C while preparing: error: interrupted, exit 130, and the command never starts', async () => {
    fake.reset({ now: () => Date.now() });
    const { dir } = gatewayRepo(gatewayBlock(fake, { session: fake.session() }));
    fake.script('POST /api/v1/auths/api_key', { status: 200, hang: true });
    const marker = path.join(tmpDir(), 'started');
    const posts = fake.posts.length;
    const r = await runBin(['exec', 'corp', '--', 'touch', marker], {
      cwd: dir,
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (fake.posts.length > posts) {
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 10);
      },
    });
    expect(r).toMatchObject({ code: 130, stdout: '', stderr: 'error: interrupted\n' });
    expect(fs.existsSync(marker)).toBe(false);
  });

  it.skipIf(!hasScript)('at a terminal, Ctrl-C reaches the child once (from the terminal), not twice', async () => {
    const { dir } = chatgptRepo(STORE_API_KEY('research', 'OPENAI_RESEARCH_KEY', 'sk-r1'));
    // Node counts every delivery (a shell's trap would merge two close ones into one). SIGUSR2, which llm-auth
    // forwards, goes after the Ctrl-C through llm-auth: when it arrives, any copy of the SIGINT would have too.
    const script = path.join(tmpDir(), 'count.cjs');
    fs.writeFileSync(
      script,
      "let n = 0; process.on('SIGINT', () => { n++; console.log('got'); }); process.on('SIGUSR2', () => { console.log('total ' + n); process.exit(0); }); console.log('ready ' + process.ppid); setInterval(() => {}, 1000);\n",
    );
    const transcript = path.join(tmpDir(), 'typescript');
    // `exec`: the shell `script` starts must not stay in the foreground group (dash exits 130 after a Ctrl-C).
    const child = spawn('script', ['-qec', `exec ${BIN} exec research -- node ${script}`, transcript], {
      cwd: dir,
      env: testEnv({ cwd: dir }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let step = 0;
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const ready = /ready (\d+)/.exec(out);
      if (ready && step === 0) {
        step = 1;
        child.stdin.write('\x03');
      } else if (ready && step === 1 && out.includes('got')) {
        step = 2;
        process.kill(Number(ready[1]), 'SIGUSR2');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    // A forwarded copy would make it `total 2`.
    expect(out).toContain('total 1');
    expect(code).toBe(0);
  });

  it('stdin, stdout and stderr are inherited: a child reading stdin and writing 4 MiB works', async () => {
    const { dir } = chatgptRepo(STORE_API_KEY('research', 'OPENAI_RESEARCH_KEY', 'sk-r1'));
    const child = spawn(
      BIN,
      [
        'exec',
        'research',
        '--',
        'node',
        '-e',
        'let n=0;process.stdin.on("data",b=>n+=b.length).on("end",()=>{process.stdout.write("x".repeat(4<<20));process.stderr.write("read "+n)})',
      ],
      {
        cwd: dir,
        env: testEnv({ cwd: dir }),
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    child.stdin.end('y'.repeat(100_000));
    let bytes = 0;
    let err = '';
    child.stdout.on('data', (b: Buffer) => (bytes += b.length));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ code, bytes, err }).toEqual({ code: 0, bytes: 4 << 20, err: 'read 100000' });
  });
});

describe('logout', () => {
  it('gateway: the key and session lines keep their names, the bookkeeping goes, every other line stays', async () => {
    const { block } = gateway('claude');
    const { dir, store } = gatewayRepo(
      STORE_API_KEY('research', 'OPENAI_RESEARCH_KEY', 'sk-r1'),
      block.replace('# renew=true', '# renew=true\n# renewed_at=2026-12-02T11:00:00Z'),
    );
    const before = fs.readFileSync(store, 'utf8');
    const r = await runCli(['logout', 'corp'], { cwd: dir });
    expect(r).toMatchObject({ code: 0, stdout: 'ok: removed\n', stderr: '' });
    const after = fs.readFileSync(store, 'utf8');
    expect(storedValue(store, 'LLM_AUTH_CORP_GATEWAY_KEY')).toBe('');
    expect(after).toContain('\nLLM_AUTH_CORP_GATEWAY_KEY=\nLLM_AUTH_CORP_PORTAL_SESSION=\n');
    expect(storedMetadata(store).renewed_at).toBeUndefined();
    expect(storedMetadata(store).expires_at).toBeUndefined();
    const strip = (t: string) => t.split('\n').filter((l) => !/^(LLM_AUTH_CORP_|# renewed_at|# expires_at)/.test(l));
    expect(strip(after)).toEqual(strip(before));
    expect(await runCli(['logout', 'corp'], { cwd: dir })).toMatchObject({ code: 0, stdout: 'ok: nothing to remove\n' });
  });

  it('gateway: warns when a removed variable is still set in the environment', async () => {
    const { block } = gateway('claude');
    const { dir } = gatewayRepo(block);
    const r = await runCli(['logout', 'corp'], { cwd: dir, env: { LLM_AUTH_CORP_PORTAL_SESSION: 'still-here-token' } });
    expect(r.stderr).toBe('warning: LLM_AUTH_CORP_PORTAL_SESSION is still set in the environment\n');
  });

  it('ChatGPT: the managed block goes; its neighbours end up one blank line apart', async () => {
    const text = `${HEADER}\n\n${STORE_API_KEY('a', 'A_KEY', 'sk-a')}\n${managedBlock(recordJson(chatgpt.issue()))}\n\n\n${STORE_API_KEY('b', 'B_KEY', 'sk-b')}`;
    const { dir, store } = chatgptRepo(text);
    expect(await runCli(['logout', 'chatgpt'], { cwd: dir })).toMatchObject({ code: 0, stdout: 'ok: removed\n' });
    expect(fs.readFileSync(store, 'utf8')).toBe(
      `${HEADER}\n\n${STORE_API_KEY('a', 'A_KEY', 'sk-a')}\n${STORE_API_KEY('b', 'B_KEY', 'sk-b')}`,
    );
    expect(await runCli(['logout', 'chatgpt'], { cwd: dir })).toMatchObject({ code: 2 });
  });

  it('ChatGPT in a hand-written envelope: only the value is emptied, the envelope stays', async () => {
    const record = recordJson(chatgpt.issue());
    const envelope = (value: string) =>
      `# BEGIN LLM AUTH SURFACE chatgpt subscription-oauth\n# env=CHATGPT_AUTH_JSON\n# note=mine\nCHATGPT_AUTH_JSON=${value}\n# END LLM AUTH SURFACE chatgpt subscription-oauth\n`;
    const { dir, store } = chatgptRepo(envelope(`'${record}'`));
    expect(await runCli(['logout', 'chatgpt'], { cwd: dir })).toMatchObject({ code: 0, stdout: 'ok: removed\n', stderr: '' });
    expect(fs.readFileSync(store, 'utf8')).toBe(envelope(''));
    expect(await runCli(['logout', 'chatgpt'], { cwd: dir })).toMatchObject({ code: 0, stdout: 'ok: nothing to remove\n' });
  });

  it('api-key and other modes: usage errors naming what to do', async () => {
    const { dir, store } = chatgptRepo(
      STORE_API_KEY('research', 'OPENAI_RESEARCH_KEY', 'sk-r1') +
        '# BEGIN LLM AUTH SURFACE odd weird\nODD=1\n# END LLM AUTH SURFACE odd weird\n',
    );
    expect(await runCli(['logout', 'research'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: `error: logout does not apply to api-key surface 'research'; edit ${store} to remove OPENAI_RESEARCH_KEY\n`,
    });
    expect(await runCli(['logout', 'odd'], { cwd: dir })).toMatchObject({
      code: 2,
      stderr: "error: surface 'odd' does not support logout\n",
    });
  });
});

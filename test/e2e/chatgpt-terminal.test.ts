// `login` at a real terminal: run under `script` so stdin and stderr are a TTY. The spinner is drawn and
// erased, and the browser opener (a stand-in `xdg-open` on PATH) gets the URL and an allow-listed environment.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoCanary, BIN, CANARY, runBin } from '../helpers/cli.js';
import { chatgptRepo, storedRecord } from '../helpers/chatgpt.js';
import { tmpDir } from '../helpers/fs.js';
import { hasScript } from '../helpers/terminal.js';
import { FakeChatGPT } from '../fakes/chatgpt.js';

let fake: FakeChatGPT;
beforeAll(async () => {
  fake = await new FakeChatGPT().start();
});
afterAll(async () => {
  await fake.close();
});

/** Runs the CLI under `script`, so that its stdin, stdout and stderr are a pseudo-terminal. */
async function underTerminal(
  args: string[],
  transcript: string,
  cwd: string,
  env: Record<string, string>,
  onOutput: (text: string) => void = () => undefined,
): Promise<{ code: number | null; out: string }> {
  // stdin stays an open pipe: at end of input `script` would end the session.
  const child = spawn('script', ['-qec', [BIN, ...args].join(' '), transcript], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    onOutput(out);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  child.stdin.end();
  assertNoCanary(out, 'the terminal');
  return { code, out };
}

function fakeOpener(): { bin: string; marker: string } {
  const bin = tmpDir();
  const marker = path.join(bin, 'opened.txt');
  fs.writeFileSync(path.join(bin, 'xdg-open'), `#!/bin/sh\n{ echo "url=$1"; env; } > '${marker}'\n`, { mode: 0o755 });
  return { bin, marker };
}

describe('login at a terminal', () => {
  it.skipIf(!hasScript)(
    'draws the spinner on the TTY, erases it, and opens the browser with an allow-listed environment',
    async () => {
      fake.deviceCodes.delete('dev-1');
      const { dir, store } = chatgptRepo();
      const { bin, marker } = fakeOpener();
      const transcript = path.join(tmpDir(), 'typescript');
      const env = {
        PATH: `${bin}:${process.env.PATH}`,
        HOME: dir,
        DISPLAY: ':0',
        OPENAI_API_KEY: CANARY,
        ...fake.env(),
      };
      const { code, out } = await underTerminal(['login', '--timeout', '20'], transcript, dir, env, (text) => {
        if (text.includes('Waiting for sign-in')) fake.approve();
      });
      expect(code).toBe(0);
      expect(out).toContain('2) Enter code: ABCD-EFGH');
      expect(out).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Waiting for sign-in \(Ctrl-C to cancel\)/);
      // The spinner line is erased before `ok`.
      // eslint-disable-next-line no-control-regex -- the terminal's erase-line sequence is what is checked
      expect(out).toMatch(/\r\x1b\[2Kok\r?\n/);
      expect(Object.keys(storedRecord(store))).toContain('access_token');
      const opened = fs.readFileSync(marker, 'utf8');
      expect(opened).toContain(`url=${fake.issuer}/codex/device\n`);
      expect(opened).toContain('DISPLAY=:0\n');
      expect(opened).not.toContain(CANARY);
      expect(opened).not.toContain('LLM_AUTH_CHATGPT_ISSUER');
    },
  );

  it('opens no browser and draws no spinner without a terminal, or with --no-browser', async () => {
    const { bin, marker } = fakeOpener();
    for (const args of [['login'], ['login', '--no-browser']]) {
      fake.deviceCodes.delete('dev-1');
      fake.deviceCodes.set('dev-1', { userCode: 'ABCD-EFGH', approved: true });
      const { dir } = chatgptRepo();
      const r = await runBin(args, { cwd: dir, path: `${bin}:${process.env.PATH}`, env: fake.env({ DISPLAY: ':0' }) });
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(fs.existsSync(marker)).toBe(false);
    }
  });

  it.skipIf(!hasScript)('--no-browser at a terminal still opens nothing', async () => {
    fake.deviceCodes.delete('dev-1');
    fake.deviceCodes.set('dev-1', { userCode: 'ABCD-EFGH', approved: true });
    const { dir } = chatgptRepo();
    const { bin, marker } = fakeOpener();
    const transcript = path.join(tmpDir(), 'typescript');
    const { code, out } = await underTerminal(['login', '--no-browser'], transcript, dir, {
      PATH: `${bin}:${process.env.PATH}`,
      HOME: dir,
      DISPLAY: ':0',
      ...fake.env(),
    });
    expect(code).toBe(0);
    expect(out).toMatch(/ok\r?\n/);
    expect(fs.existsSync(marker)).toBe(false);
  });
});

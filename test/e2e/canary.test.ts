// Planted canary secrets must appear in no output. runBin checks every byte every test prints; this file
// drives the commands through their error paths with canaries everywhere a secret can sit.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertNoCanary, CANARY, CANARY_QUOTED, runBin } from '../helpers/cli.js';
import { git, gitRepo, STORE_API_KEY, writeStore } from '../helpers/fs.js';

const chatgpt = (json: string): string =>
  `# BEGIN LLM AUTH SURFACE chatgpt subscription-oauth (managed by llm-auth)\n# env=CHATGPT_AUTH_JSON\nCHATGPT_AUTH_JSON='${json}'\n# END LLM AUTH SURFACE chatgpt subscription-oauth\n`;

describe('canary secrets', () => {
  it('the checker itself catches the whole canary, its 8-character prefix and 6-character suffix', () => {
    expect(() => assertNoCanary(`x ${CANARY} y`, 'test')).toThrow();
    expect(() => assertNoCanary(`x ${CANARY.slice(0, 8)}`, 'test')).toThrow();
    expect(() => assertNoCanary(`${CANARY.slice(-6)} y`, 'test')).toThrow();
    expect(() => assertNoCanary('[redacted]', 'test')).not.toThrow();
  });

  it('never prints a secret through status, add-api-key and their errors', async () => {
    const dir = gitRepo();
    fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
    const store = path.join(dir, '.env');
    const record = JSON.stringify({ access_token: CANARY, refresh_token: CANARY_QUOTED, id_token: `${CANARY}-id` });
    writeStore(
      store,
      STORE_API_KEY('research', 'OPENAI_API_KEY', CANARY) +
        STORE_API_KEY('quoted', 'Q_KEY', `'${CANARY_QUOTED}'`) +
        '# BEGIN LLM AUTH SURFACE custom weird\nCUSTOM=' +
        CANARY +
        '\n# END LLM AUTH SURFACE custom weird\n' +
        chatgpt(record),
    );
    const runs = [
      ['status'],
      ['status', 'research'],
      ['status', 'chatgpt'],
      ['add-api-key', 'research', 'openai', '--key', CANARY],
      ['add-api-key', 'other', 'openai', '--env', 'OPENAI_API_KEY', '--key', CANARY],
      ['add-api-key', 'bad name', 'openai', '--key', CANARY],
      ['add-api-key', 'new', 'openai', '--key', CANARY],
    ];
    for (const args of runs) await runBin(args, { cwd: dir });
    // A secret passed where a name belongs is redacted by the output layer (core.md §14.2).
    const echoed = await runBin(['status', CANARY], { cwd: dir });
    expect(echoed.stderr).toBe("error: unknown auth surface '[redacted]'; available: research, quoted, custom, chatgpt, new\n");
    const fromEnv = await runBin(['status', CANARY_QUOTED], { cwd: dir, env: { Q_KEY: CANARY_QUOTED } });
    expect(fromEnv.stderr).toContain("error: unknown auth surface '[redacted]'");

    // Error paths with the canary inside the failing input.
    writeStore(store, chatgpt(`{"access_token":"${CANARY}"`));
    expect((await runBin(['status'], { cwd: dir })).stderr).toBe('error: CHATGPT_AUTH_JSON did not contain valid JSON\n');
    writeStore(store, STORE_API_KEY('research', 'OPENAI_API_KEY', CANARY));
    fs.chmodSync(store, 0o644);
    expect((await runBin(['status'], { cwd: dir })).code).toBe(1);
    fs.chmodSync(store, 0o600);
    git(dir, 'add', '-f', '.env');
    expect((await runBin(['status'], { cwd: dir })).stderr).toContain('is tracked by git');
  });
});

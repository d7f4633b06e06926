// Planted canary secrets must appear in no output. runBin checks every byte every test prints; this file
// drives the commands through their error paths with canaries everywhere a secret can sit.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoCanary, CANARY, CANARY_QUOTED, runBin } from '../helpers/cli.js';
import { git, gitRepo, STORE_API_KEY, writeStore } from '../helpers/fs.js';
import { gatewayBlock, gatewayRepo } from '../helpers/gateway.js';
import { json } from '../fakes/http.js';
import { FakeGateway, GET_KEY, MODELS, POST_KEY } from '../fakes/gateway.js';

let gateway: FakeGateway;
beforeAll(async () => {
  gateway = await new FakeGateway().start();
});
afterAll(async () => {
  await gateway.close();
});

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
    expect((await runBin(['status'], { cwd: dir })).stderr).toBe(
      `error: CHATGPT_AUTH_JSON did not contain valid JSON\nhint: the value is at ${store}:3\n`,
    );
    writeStore(store, STORE_API_KEY('research', 'OPENAI_API_KEY', CANARY));
    fs.chmodSync(store, 0o644);
    expect((await runBin(['status'], { cwd: dir })).code).toBe(1);
    fs.chmodSync(store, 0o600);
    git(dir, 'add', '-f', '.env');
    expect((await runBin(['status'], { cwd: dir })).stderr).toContain('is tracked by git');
  });

  it('never prints a gateway key or portal session, even when the portal and gateway echo them', async () => {
    const session = `portal-${CANARY}`;
    gateway.sessions.set(session, Math.floor(Date.now() / 1000) + 3600);
    gateway.oldKeys.set(CANARY, 'expired');
    gateway.currentKey = CANARY;
    const { dir } = gatewayRepo(gatewayBlock(gateway, { key: CANARY, session }));
    const echo = (status: number, what: string) =>
      json(status, { error: { message: `rejected ${what} (${encodeURIComponent(what)})`, type: 'auth_error' } });
    for (const args of [['status'], ['status', 'corp'], ['test'], ['test', 'corp']]) await runBin(args, { cwd: dir });
    // Every answer quotes the secret it was sent, plainly and URL-encoded.
    gateway.script(MODELS, echo(401, CANARY));
    gateway.script(POST_KEY, echo(500, session));
    gateway.script(GET_KEY, echo(500, session));
    const renew = await runBin(['renew', 'corp'], { cwd: dir });
    expect(renew.stdout).toBe(
      'corp.renew: fail - the portal returned HTTP 500: rejected [redacted] ([redacted]); key unchanged, retry later\n',
    );
    gateway.script(GET_KEY, echo(403, session));
    const login = await runBin(['login', 'corp', '--with-token'], { cwd: dir, stdin: session });
    expect(login.stderr).toBe('error: the portal refused the request (HTTP 403): rejected [redacted] ([redacted])\n');
    gateway.script(MODELS, echo(403, CANARY));
    gateway.script(GET_KEY, echo(500, CANARY));
    const test = await runBin(['test', 'corp'], { cwd: dir });
    expect(test.stdout).toContain('corp.gateway-key.portal: fail - server-error: HTTP 500: rejected [redacted] ([redacted])\n');
    expect(test.stdout).toContain(
      'corp.gateway-key.gateway: fail - forbidden: the key may not use /models (HTTP 403: rejected [redacted] ([redacted]))\n',
    );
    const asArgument = await runBin(['login', 'corp', CANARY], { cwd: dir });
    expect(asArgument.code).toBe(2);
  });
});

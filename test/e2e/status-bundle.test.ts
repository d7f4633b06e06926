// The `status` bundle (dist/status.cjs, src/cli/status-main.ts): a plain `status` command line is read and run
// there, without commander and the network code; anything else goes to the full CLI (dist/cli.cjs). Both must
// answer alike: same exit code, same stdout, same stderr.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plainStatus, statusMain, type PlainStatus } from '../../src/cli/status-main.js';
import { assertNoCanary, CANARY, ROOT, runBin, runCli, type CliResult } from '../helpers/cli.js';
import { gitRepo, STORE_API_KEY, tmpDir, writeStore } from '../helpers/fs.js';
import { FakeClock, testEnv, testRuntime } from '../helpers/runtime.js';

const NOW_S = 1_800_000_000;

/** A store with a surface of each mode: api-key, ChatGPT (zod parses its record) and gateway-key. */
function storeText(expiresAt: number): string {
  const record = JSON.stringify({
    access_token: 'chatgpt-access-0123456789',
    account_id: 'acc-1',
    expires_at: expiresAt,
    id_token: 'chatgpt-id-0123456789',
    refresh_token: 'chatgpt-refresh-0123456789',
  });
  return [
    STORE_API_KEY('research', 'OPENAI_RESEARCH_API_KEY', CANARY).trimEnd(),
    '# BEGIN LLM AUTH SURFACE chatgpt subscription-oauth (managed by llm-auth)',
    '# renew=true',
    '# env=CHATGPT_AUTH_JSON',
    `CHATGPT_AUTH_JSON='${record}'`,
    '# END LLM AUTH SURFACE chatgpt subscription-oauth',
    '# BEGIN LLM AUTH SURFACE corp gateway-key',
    '# portal=https://portal.example.com',
    '# api_base=https://llm.example.com/v1',
    '# env=LLM_AUTH_CORP_GATEWAY_KEY',
    '# session_env=LLM_AUTH_CORP_PORTAL_SESSION',
    `# expires_at=${NOW_S + 3600}`,
    'LLM_AUTH_CORP_GATEWAY_KEY=sk-gateway-0123456789abcdef',
    '# END LLM AUTH SURFACE corp gateway-key',
    '',
  ].join('\n');
}

/** `status` through the status bundle's entry, in this process, as runCli runs main(). */
async function runStatusMain(args: PlainStatus, cwd: string, clock: FakeClock): Promise<CliResult> {
  const rt = testRuntime({ cwd, clock });
  const code = await statusMain(args, rt);
  const result = { code, signal: null, stdout: rt.stdout.text, stderr: rt.stderr.text };
  assertNoCanary(result.stdout, 'stdout');
  assertNoCanary(result.stderr, 'stderr');
  return result;
}

const singleExecutable = process.env.LLM_AUTH_BIN !== undefined;

describe('the status bundle', () => {
  it('answers every plain status command line exactly as the full CLI does', async () => {
    // No repository around: no git process, so many command lines can run. The safety checks still run.
    const dir = tmpDir();
    writeStore(path.join(dir, '.env'), storeText(NOW_S + 600));
    writeStore(path.join(dir, 'other.env'), STORE_API_KEY('alt', 'ALT_KEY', 'sk-alt-0123456789abcdef'));
    writeStore(path.join(dir, 'expired.env'), storeText(NOW_S - 600));
    writeStore(path.join(dir, 'broken.env'), '# BEGIN LLM AUTH SURFACE x api-key\nX=1\n');
    fs.writeFileSync(path.join(dir, 'open.env'), STORE_API_KEY('o', 'O_KEY', 'sk-open-0123456789abcdef'), { mode: 0o644 });
    fs.chmodSync(path.join(dir, 'open.env'), 0o644);
    const before = fc.constantFrom('--env-file=other.env', '--env-file=expired.env', '--env-file', 'other.env', '-h');
    const token = fc.constantFrom(
      'status',
      'research',
      'chatgpt',
      'corp',
      'alt',
      'nosuch',
      '--human',
      '--env-file',
      'other.env',
      'expired.env',
      '--env-file=other.env',
      '--env-file=missing.env',
      '--env-file=broken.env',
      '--env-file=open.env',
      '--env-file=sub/../expired.env',
      '-h',
      '--',
      '',
    );
    let compared = 0;
    const codes = new Set<number | null>();
    await fc.assert(
      // Around `status`: what may come before it (mostly the global option) and after it.
      fc.asyncProperty(fc.array(before, { maxLength: 2 }), fc.array(token, { maxLength: 4 }), async (pre, post) => {
        const argv = [...pre, 'status', ...post];
        const args = plainStatus(argv);
        if (args === undefined) return;
        compared++;
        const clock = new FakeClock(NOW_S * 1000);
        const full = await runCli(argv, { cwd: dir, clock });
        codes.add(full.code);
        expect(await runStatusMain(args, dir, clock)).toEqual(full);
      }),
      { numRuns: 400 },
    );
    // The generator reaches the plain command lines often, and with every outcome among them.
    expect(compared).toBeGreaterThan(50);
    expect([...codes].sort()).toEqual([0, 1, 2]);
  });

  it('answers alike in a repository, where the safety checks ask git', async () => {
    const dir = gitRepo();
    writeStore(path.join(dir, '.env'), storeText(NOW_S + 600));
    const clock = new FakeClock(NOW_S * 1000);
    // Not ignored: refused, exit 1, by both.
    const refused = await runCli(['status'], { cwd: dir, clock });
    expect(refused.code).toBe(1);
    expect(await runStatusMain(plainStatus(['status'])!, dir, clock)).toEqual(refused);
    fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
    const passed = await runCli(['status', '--human'], { cwd: dir, clock });
    expect(passed.code).toBe(0);
    expect(await runStatusMain(plainStatus(['status', '--human'])!, dir, clock)).toEqual(passed);
  });

  it.skipIf(singleExecutable)(
    'bin/llm-auth runs a plain status from dist/status.cjs alone, and anything else from dist/cli.cjs',
    async () => {
      // The package's layout without dist/cli.cjs: what still works can only have come from status.cjs.
      const pkg = tmpDir('llm-auth-pkg-');
      for (const f of ['bin/llm-auth', 'bin/start.cjs', 'bin/package.json', 'dist/status.cjs', 'dist/zod.cjs']) {
        fs.mkdirSync(path.dirname(path.join(pkg, f)), { recursive: true });
        fs.copyFileSync(path.join(ROOT, f), path.join(pkg, f));
      }
      const dir = gitRepo();
      fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
      // Expiry in a day and a half hour: the `--human` table says `in 1d 0h` for the whole half hour.
      writeStore(path.join(dir, '.env'), storeText(Math.floor(Date.now() / 1000) + 86_400 + 1_800));
      const home = tmpDir('llm-auth-home-');
      const run = (args: string[]) =>
        spawnSync(process.execPath, ['--', path.join(pkg, 'bin', 'llm-auth'), ...args], {
          cwd: dir,
          env: testEnv({ cwd: dir, home }),
          encoding: 'utf8',
        });
      for (const args of [['status'], ['status', 'chatgpt', '--human'], ['--env-file', '.env', 'status', 'corp']]) {
        const expected = await runBin(args, { cwd: dir, home });
        expect(expected.code).toBe(0);
        const r = run(args);
        expect({ code: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
          code: 0,
          stdout: expected.stdout,
          stderr: expected.stderr,
        });
      }
      // The ChatGPT record was parsed by the zod beside the bundle.
      expect(JSON.parse(run(['status', 'chatgpt']).stdout)).toMatchObject({ chatgpt: { access_token: true, expired: false } });
      for (const args of [['status', '--help'], ['status', 'a', 'b'], ['token', 'research'], ['--version']]) {
        const r = run(args);
        expect(r.status, args.join(' ')).not.toBe(0);
        expect(r.stderr).toContain('cli.cjs');
      }
      // And with dist/cli.cjs there, those are the full CLI's answers.
      expect((await runBin(['status', '--help'], { cwd: dir, home })).stdout).toMatch(/^Usage: llm-auth status/);
    },
  );
});

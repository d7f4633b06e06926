// Command-line conventions (core.md §1): usage errors, help, version, --env-file placement and display.
// Parsing runs in process; what the real process decides (the bin's exit status, Node 20's own reading of
// `--env-file`, the bundled version) runs the built bin/llm-auth.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/main.js';
import { BIN, CANARY, ROOT, runBin, runCli } from '../helpers/cli.js';
import { testEnv } from '../helpers/runtime.js';
import { gitRepo, STORE_API_KEY, tmpDir, writeStore } from '../helpers/fs.js';

const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('usage errors: one `error:` line and a hint naming --help, exit 2', () => {
  const top = 'hint: see llm-auth --help';
  it.each([
    [[], 'error: the following arguments are required: command', top],
    [['nope'], "error: unknown command 'nope'", top],
    [['stauts'], "error: unknown command 'stauts' (Did you mean status?)", top],
    [['status', '--bogus'], "error: unknown option '--bogus'", 'hint: see llm-auth status --help'],
    [
      ['status', 'a', 'b'],
      "error: too many arguments for 'status'. Expected 1 argument but got 2.",
      'hint: see llm-auth status --help',
    ],
    [['add-api-key', 'a'], "error: missing required argument 'provider'", 'hint: see llm-auth add-api-key --help'],
    [
      ['add-api-key', 'a', 'b', '--model'],
      "error: option '--model <model>' argument missing",
      'hint: see llm-auth add-api-key --help',
    ],
    [['--env-file'], "error: option '--env-file <path>' argument missing", top],
    [['--env-file', 'x', 'renew', '--bogus'], "error: unknown option '--bogus'", 'hint: see llm-auth renew --help'],
    // A mistyped option or a misplaced key is named, never echoed (core.md §8.10).
    [['add-api-key', 'a', 'openai', `--kye=${CANARY}`], "error: unknown option '--kye'", 'hint: see llm-auth add-api-key --help'],
    [['add-api-key', 'a', 'openai', `-k${CANARY}`], "error: unknown option '-k'", 'hint: see llm-auth add-api-key --help'],
    [[CANARY], 'error: unknown command (not shown: it does not look like a command name)', top],
    [['--key', CANARY, 'status'], "error: unknown option '--key'", top],
  ])('%j', async (args, line, hint) => {
    const r = await runCli(args, { cwd: tmpDir() });
    expect(r).toMatchObject({ code: 2, stdout: '', stderr: `${line}\n${hint}\n` });
  });

  it('the process exits 2 with the error line first', async () => {
    expect(await runBin(['status', '--bogus'], { cwd: tmpDir() })).toMatchObject({
      code: 2,
      stdout: '',
      stderr: "error: unknown option '--bogus'\nhint: see llm-auth status --help\n",
    });
  });
});

describe('help and version', () => {
  it('prints usage with examples and exit codes on stdout', async () => {
    const r = await runCli(['--help'], { cwd: tmpDir() });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Usage: llm-auth [options] [command]');
    expect(r.stdout).toContain('Examples:\n  llm-auth status');
    expect(r.stdout).toMatch(
      /Exit codes:\n {2}0 +success\n {2}1 +failure.*\n {2}2 +usage error or unknown surface\n {2}130 +interrupted/,
    );
    const sub = await runCli(['add-api-key', '--help'], { cwd: tmpDir() });
    expect(sub.stdout).toContain('--allow-unignored');
  });

  it('lists exactly the commands that main() defines one at a time (COMMANDS), and each has its own help', async () => {
    const r = await runCli(['--help'], { cwd: tmpDir() });
    const listed = r.stdout
      .split('Commands:\n')[1]!
      .split('\n\n')[0]!
      .split('\n')
      .map((l) => l.trim().split(' ')[0]!)
      .filter((name) => name !== 'help');
    expect(listed.sort()).toEqual([...COMMANDS].sort());
    for (const name of COMMANDS) {
      const sub = await runCli([name, '--help'], { cwd: tmpDir() });
      expect(sub.stdout).toContain(`Usage: llm-auth ${name} `);
    }
  });

  it('prints the package version, with --version or -V', async () => {
    expect(await runBin(['--version'], { cwd: tmpDir() })).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    expect(await runCli(['-V'], { cwd: tmpDir() })).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('`help` and `help <command>` print the help on stdout, exit 0', async () => {
    const top = await runCli(['help'], { cwd: tmpDir() });
    expect(top).toMatchObject({ code: 0, stderr: '' });
    expect(top.stdout).toContain('Usage: llm-auth [options] [command]');
    const status = await runCli(['help', 'status'], { cwd: tmpDir() });
    expect(status).toMatchObject({ code: 0, stderr: '' });
    expect(status.stdout).toContain('Usage: llm-auth status [options] [surface]');
  });

  it('shows no `(default: [])` for the repeatable --surface-model', async () => {
    const r = await runCli(['test', '--help'], { cwd: tmpDir() });
    expect(r.stdout).toContain('--surface-model <SURFACE=MODEL>');
    expect(r.stdout).not.toContain('(default: [])');
  });
});

describe('--env-file', () => {
  const badStore = '# BEGIN LLM AUTH SURFACE a api-key\n';

  it('is accepted before or after the command, as `--env-file PATH` or `--env-file=PATH`; the last one wins', async () => {
    const dir = gitRepo();
    fs.writeFileSync(path.join(dir, '.gitignore'), '*.env\n');
    writeStore(path.join(dir, 'one.env'), badStore);
    writeStore(path.join(dir, 'two.env'), badStore);
    const expectPath = async (args: string[], shown: string): Promise<void> => {
      const r = await runBin(args, { cwd: dir });
      expect(r.stderr).toBe(`error: auth surface envelope opened at ${shown}:1 without a matching END marker\n`);
    };
    await expectPath(['--env-file', 'one.env', 'status'], 'one.env');
    await expectPath(['status', '--env-file=two.env'], 'two.env');
    await expectPath(['--env-file', 'one.env', 'status', '--env-file', 'two.env'], 'two.env');
    await expectPath(['--env-file=two.env', '--env-file=./one.env', 'status'], 'one.env');
  });

  it('displays the path normalised like pathlib and expands ~', async () => {
    const dir = gitRepo();
    fs.writeFileSync(path.join(dir, '.gitignore'), '*.env\ne1\n');
    fs.mkdirSync(path.join(dir, 'cfg'));
    writeStore(path.join(dir, 'e1'), badStore);
    writeStore(path.join(dir, 'cfg', '.env'), badStore);
    const shown = async (arg: string, home?: string): Promise<string> =>
      (await runCli(['status', '--env-file', arg], { cwd: dir, home })).stderr.replace(
        /^error: auth surface envelope opened at (.*):1 .*\n$/s,
        '$1',
      );
    expect(await shown('./e1')).toBe('e1');
    expect(await shown('cfg//.env')).toBe('cfg/.env');
    expect(await shown('./cfg/./.env')).toBe('cfg/.env');
    expect(await shown('cfg/../e1')).toBe('cfg/../e1');
    expect(await shown('~/e1', dir)).toBe(`${dir}/e1`);
    expect(await shown(`${dir}//cfg/.env`)).toBe(`${dir}/cfg/.env`);
  });

  it('defaults to the absolute <cwd>/.env', async () => {
    const dir = gitRepo();
    fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
    writeStore(path.join(dir, '.env'), badStore);
    const r = await runCli(['status'], { cwd: dir });
    expect(r.stderr).toBe(`error: auth surface envelope opened at ${dir}/.env:1 without a matching END marker\n`);
  });
});

describe('a reader that goes away', () => {
  it('`status | head -c 10`: exit 0 and nothing on stderr when the pipe closes mid-output (EPIPE)', () => {
    const dir = gitRepo();
    fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
    // About 300 KB of status JSON: far more than a pipe holds, so writing goes on after head has left.
    const many = Array.from({ length: 3000 }, (_, i) => STORE_API_KEY(`s${i}`, `K_${i}`, 'x')).join('');
    writeStore(path.join(dir, '.env'), many);
    const r = spawnSync('bash', ['-c', `"${BIN}" status | head -c 10; echo " exit=\${PIPESTATUS[0]}" >&2`], {
      cwd: dir,
      env: testEnv({ cwd: dir }),
      encoding: 'utf8',
    });
    expect(r.stdout).toBe('{\n  "s0": ');
    expect(r.stderr).toBe(' exit=0\n');
  });
});

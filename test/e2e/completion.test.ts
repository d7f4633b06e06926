// `llm-auth completion bash|fish|zsh`: scripts sourced in the real shells, asked for completions. Surface
// names come from the store named on the command line, and nothing of a value ever appears.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, CANARY, runCli } from '../helpers/cli.js';
import { gitRepo, STORE_API_KEY, tmpDir, writeStore } from '../helpers/fs.js';

const has = (shell: string): boolean => spawnSync(shell, ['-c', 'true']).status === 0;

function setUp(): { dir: string; store: string; env: Record<string, string> } {
  const dir = gitRepo();
  fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
  const store = path.join(dir, '.env');
  writeStore(store, STORE_API_KEY('research', 'OPENAI_RESEARCH_KEY', CANARY) + STORE_API_KEY('evals', 'EVALS_KEY', CANARY));
  const bin = tmpDir();
  fs.symlinkSync(BIN, path.join(bin, 'llm-auth'));
  return { dir, store, env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir } };
}

/** Runs the bash function for the words typed so far (the last one being completed). */
function bashComplete(words: string[], cwd: string, env: Record<string, string>): string[] {
  const script = `source <(llm-auth completion bash); COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _llm_auth; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', script], { cwd, env, encoding: 'utf8' })
    .split('\n')
    .filter((l) => l !== '');
}

describe('completion', () => {
  it('bash: commands, options of the command, and surface names from the store', () => {
    const { dir, store, env } = setUp();
    expect(bashComplete(['llm-auth', 'st'], dir, env)).toEqual(['status']);
    expect(bashComplete(['llm-auth', 'token', '--'], dir, env)).toEqual(['--auth', '--no-renew', '--timeout', '--help']);
    expect(bashComplete(['llm-auth', 'token', ''], dir, env)).toEqual(['research', 'evals']);
    // From elsewhere, with the store named on the command line.
    const out = bashComplete(['llm-auth', '--env-file', store, 'status', 'ev'], tmpDir(), env);
    expect(out).toEqual(['evals']);
    expect(bashComplete(['llm-auth', 'add-api-key', ''], dir, env)).toEqual([]);
  });

  it.skipIf(!has('fish'))('fish: the same completions', () => {
    const { dir, env } = setUp();
    const ask = (line: string): string[] =>
      execFileSync('fish', ['--no-config', '-c', `llm-auth completion fish | source; complete -C '${line}'`], {
        cwd: dir,
        env,
        encoding: 'utf8',
      })
        .split('\n')
        .filter((l) => l !== '');
    expect(ask('llm-auth st')).toEqual(['status']);
    expect(ask('llm-auth token ')).toEqual(['evals', 'research']);
    expect(ask('llm-auth renew --f')).toEqual(['--force']);
  });

  it.skipIf(!has('zsh'))('zsh: the bash function through bashcompinit gives the candidates (zsh filters them itself)', () => {
    const { dir, env } = setUp();
    const ask = (words: string): string[] =>
      execFileSync(
        'zsh',
        [
          '-c',
          `autoload -U compinit && compinit -u; source <(llm-auth completion zsh); COMP_WORDS=(${words}); COMP_CWORD=$(( \${#COMP_WORDS} - 1 )); _llm_auth; print -l -- $COMPREPLY`,
        ],
        { cwd: dir, env, encoding: 'utf8' },
      )
        .split('\n')
        .filter((l) => l !== '');
    expect(ask("llm-auth 'to'")).toContain('token');
    expect(ask("llm-auth token ''")).toEqual(['research', 'evals']);
    expect(ask("llm-auth renew '--'")).toEqual(['--force', '--help']);
  });

  it('--surfaces prints names only; an unknown shell is a usage error', async () => {
    const { dir } = setUp();
    const names = await runCli(['completion', '--surfaces'], { cwd: dir });
    expect(names).toMatchObject({ code: 0, stdout: 'research\nevals\n', stderr: '' });
    expect(await runCli(['completion', 'tcsh'], { cwd: dir })).toMatchObject({
      code: 2,
      stdout: '',
      stderr: "error: completion needs a shell: bash, zsh, fish, got 'tcsh'\n",
    });
    // No store: no names, no error.
    expect(await runCli(['completion', '--surfaces'], { cwd: tmpDir() })).toMatchObject({ code: 0, stdout: '' });
  });
});

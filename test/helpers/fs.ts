// Temporary directories and repositories for tests: every file a test writes lies inside its own one.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const created: string[] = [];

/** Removes every directory tmpDir() made; test/setup.ts runs it after each test file. */
export function removeTmpDirs(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export function tmpDir(prefix = 'llm-auth-test-'): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  created.push(dir);
  return dir;
}

/** Writes a store with mode 0600 (the mode is forced even if the file existed). */
export function writeStore(file: string, text: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

const gitEnv = (home: string): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: home,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
});

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], {
    cwd: dir,
    env: gitEnv(dir),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function gitRepo(dir = tmpDir()): string {
  git(dir, 'init', '-q');
  return dir;
}

export function hg(dir: string, ...args: string[]): string {
  return execFileSync('hg', args, {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: dir, HGPLAIN: '1', HGUSER: 'Test <test@example.com>' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

let hgTemplate: string | undefined;

/** `hg init`, run once per test file and copied: Mercurial's start-up is the slow part of these tests. */
export function hgInit(dir: string): void {
  if (hgTemplate === undefined || !fs.existsSync(hgTemplate)) {
    hgTemplate = tmpDir();
    hg(hgTemplate, 'init');
  }
  fs.cpSync(path.join(hgTemplate, '.hg'), path.join(dir, '.hg'), { recursive: true });
}

export function commitAll(dir: string, message = 'commit'): void {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--allow-empty', '-m', message);
}

export const STORE_API_KEY = (name: string, env: string, value: string, extra: string[] = []): string =>
  [
    `# BEGIN LLM AUTH SURFACE ${name} api-key`,
    `# provider=openai`,
    `# env=${env}`,
    ...extra,
    `${env}=${value}`,
    `# END LLM AUTH SURFACE ${name} api-key`,
    '',
  ].join('\n');

export function mode(file: string): string {
  return (fs.statSync(file).mode & 0o777).toString(8);
}

export function listDir(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

/** Every file below a directory, as sorted paths relative to it (none when it does not exist). */
export function listTree(dir: string, prefix = ''): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...listTree(path.join(dir, e.name), `${prefix}${e.name}/`));
    else out.push(prefix + e.name);
  }
  return out.sort();
}

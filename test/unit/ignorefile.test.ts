// The file-based ignored check must agree with what git and Mercurial themselves say (core.md §8.8):
// every case is checked against the real binary too.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitIgnoredByFiles, hgIgnoredByFile } from '../../src/safety/ignorefile.js';
import { hgInit, tmpDir } from '../helpers/fs.js';
import { HgCommandServer } from '../helpers/hg-server.js';

function gitSays(root: string, rel: string): boolean {
  const r = spawnSync('git', ['check-ignore', '-q', '--no-index', '--', rel], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: root },
  });
  if (r.status !== 0 && r.status !== 1) throw new Error(`git check-ignore: ${r.stderr.toString()}`);
  return r.status === 0;
}

let hgServer: HgCommandServer;
beforeAll(async () => {
  hgServer = await HgCommandServer.start(tmpDir());
});
afterAll(() => hgServer.close());

async function hgSays(root: string, rel: string): Promise<boolean> {
  const answer = await hgServer.run(['--cwd', root, 'debugignore', '--', rel]);
  if (answer.code !== 0) throw new Error(`hg debugignore: ${answer.err}`);
  return answer.out.split('\n')[0] === `${rel} is ignored`;
}

const gitCases: Array<[string, string, boolean]> = [
  // core.md §8.8 table
  ['.env', '.env', true],
  ['/.env', '.env', true],
  ['*.env', '.env', true],
  ['.env*', '.env', true],
  ['**/.env', '.env', true],
  ['*', '.env', true],
  ['.env.*', '.env', false],
  ['.env/', '.env', false],
  ['# .env', '.env', false],
  ['.env.local', '.env', false],
  ['.env\n!.env', '.env', false],
  // more shapes
  ['.env', 'sub/dir/.env', true],
  ['/.env', 'sub/.env', false],
  ['sub/', 'sub/.env', true],
  ['sub/\n!sub/.env', 'sub/.env', true],
  ['sub/*\n!sub/.env', 'sub/.env', false],
  ['sub/**', 'sub/dir/.env', true],
  ['sub/**/.env', 'sub/dir/.env', true],
  ['sub/**/.env', 'sub/.env', true],
  ['a/**/b', 'a/x/y/b/.env', true],
  ['?env', '.env', true],
  ['.[ef]nv', '.env', true],
  ['.[!e]nv', '.env', false],
  ['.[a-f]nv', '.env', true],
  ['\\.env', '.env', true],
  ['.env   ', '.env', true],
  ['.env\\ ', '.env', false],
  ['\\!.env', '.env', false],
  ['*\n!*.env', '.env', false],
  ['dir', 'dir/.env', true],
  ['/dir/', 'sub/dir/.env', false],
  ['dir/', 'sub/dir/.env', true],
  ['.env\r', '.env', true],
  ['sub/.env', 'sub/.env', true],
  ['*/.env', 'sub/.env', true],
  ['*/.env', 'sub/dir/.env', false],
];

describe('git fallback agrees with git check-ignore --no-index', () => {
  it.each(gitCases)('%j on %s -> %s', (content, rel, expected) => {
    const root = tmpDir();
    execFileSync('git', ['init', '-q'], { cwd: root, env: { PATH: process.env.PATH, HOME: root } });
    fs.writeFileSync(path.join(root, '.gitignore'), content + '\n');
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    expect(gitSays(root, rel)).toBe(expected);
    expect(gitIgnoredByFiles(root, rel, true)).toBe(expected);
  });

  it('reads .git/info/exclude first and nested .gitignore files last', () => {
    const root = tmpDir();
    execFileSync('git', ['init', '-q'], { cwd: root, env: { PATH: process.env.PATH, HOME: root } });
    fs.writeFileSync(path.join(root, '.git', 'info', 'exclude'), '.env\n');
    expect(gitIgnoredByFiles(root, '.env', true)).toBe(gitSays(root, '.env'));
    expect(gitIgnoredByFiles(root, '.env', true)).toBe(true);
    fs.writeFileSync(path.join(root, '.gitignore'), '!.env\n');
    expect(gitIgnoredByFiles(root, '.env', true)).toBe(gitSays(root, '.env'));
    expect(gitIgnoredByFiles(root, '.env', true)).toBe(false);
    fs.mkdirSync(path.join(root, 'sub'));
    fs.writeFileSync(path.join(root, 'sub', '.gitignore'), '.env\n');
    expect(gitIgnoredByFiles(root, 'sub/.env', true)).toBe(gitSays(root, 'sub/.env'));
    expect(gitIgnoredByFiles(root, 'sub/.env', true)).toBe(true);
    fs.writeFileSync(path.join(root, 'sub', '.gitignore'), '/sub/.env\n');
    expect(gitIgnoredByFiles(root, 'sub/.env', true)).toBe(gitSays(root, 'sub/.env'));
  });
});

const hgCases: Array<[string, string, boolean]> = [
  // core.md §8.8 table
  ['\\.env$', '.env', true],
  ['^\\.env$', '.env', true],
  ['.env', '.env', true],
  ['syntax: glob\n*.env', '.env', true],
  ['syntax: glob\n.env.*', '.env', false],
  // more shapes
  ['syntax: glob\n.env', 'sub/.env', true],
  ['syntax: rootglob\n.env', 'sub/.env', false],
  ['syntax: rootglob\nsub/.env', 'sub/.env', true],
  ['glob:sub', 'sub/.env', true],
  ['^sub/', 'sub/.env', true],
  ['^other', 'sub/.env', false],
  ['re:env$', '.env', true],
  ['syntax: glob\nre:^\\.env$', '.env', true],
  ['foo # \\.env$', '.env', false],
  ['\\.en\\#v', '.env', false],
  ['syntax: glob\n**.env', 'a/b/.env', true],
  ['syntax: glob\n.e?v', '.env', true],
  ['syntax: glob\n.{env,txt}', '.env', true],
  ['[unclosed\n\\.env$', '.env', true],
];

describe('Mercurial fallback agrees with hg debugignore', () => {
  it.each(hgCases)('%j on %s -> %s', async (content, rel, expected) => {
    const root = tmpDir();
    hgInit(root);
    fs.writeFileSync(path.join(root, '.hgignore'), content + '\n');
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    if (!content.startsWith('[unclosed')) expect(await hgSays(root, rel)).toBe(expected);
    expect(hgIgnoredByFile(root, rel)).toBe(expected);
  });
});

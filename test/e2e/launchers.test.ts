// How the CLI starts on each platform. Node 20-26 read `--env-file` anywhere on their command line
// (nodejs/node#54232) unless `--` comes before the script, so both launchers pass `--`:
// - bin/llm-auth (`#!/usr/bin/env -S node --`): GNU coreutils, macOS, FreeBSD, and Windows through npm's
//   cmd-shim, which turns the shebang into `node -- ...`;
// - bin/llm-auth.sh (`#!/bin/sh` and a line that is sh and a JavaScript comment at once): any POSIX sh, for
//   BusyBox (Alpine), OpenBSD and NetBSD, whose env has no -S.
// BusyBox comes from Debian's package, unpacked outside the repository by .ci/run (apt-get download busybox).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ROOT, SCRIPT_BIN as BIN } from '../helpers/cli.js';
import { gitRepo, tmpDir } from '../helpers/fs.js';
import { testEnv } from '../helpers/runtime.js';

const SH_LAUNCHER = path.join(ROOT, 'bin', 'llm-auth.sh');
const BUSYBOX = [process.env.LLM_AUTH_TEST_BUSYBOX, path.join(os.tmpdir(), 'llm-auth-busybox', 'bin', 'busybox')].find(
  (p) => p !== undefined && fs.existsSync(p),
);

/** A repository with an ignored store directory that does not exist yet: Node alone would exit 9 on it. */
function repo(): string {
  const dir = gitRepo();
  fs.writeFileSync(path.join(dir, '.gitignore'), '/missing/\n');
  return dir;
}

describe('launchers', () => {
  it('bin/llm-auth.sh runs under the system sh, with an --env-file that does not exist yet', () => {
    const dir = repo();
    const r = spawnSync(SH_LAUNCHER, ['--env-file', 'missing/.env', 'status'], {
      cwd: dir,
      env: testEnv({ cwd: dir }),
      encoding: 'utf8',
    });
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: '{}\n', stderr: '' });
  });

  it('bin/llm-auth.sh through a symbolic link (as npm links bins) finds its bundle', () => {
    const dir = repo();
    const link = path.join(tmpDir(), 'llm-auth');
    fs.symlinkSync(SH_LAUNCHER, link);
    const r = spawnSync(link, ['--version'], { cwd: dir, env: testEnv({ cwd: dir }), encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it.skipIf(!BUSYBOX)('under BusyBox: sh runs bin/llm-auth.sh; env -S, which bin/llm-auth needs, does not exist there', () => {
    const dir = repo();
    const env = testEnv({ cwd: dir });
    const sh = spawnSync(BUSYBOX!, ['sh', SH_LAUNCHER, '--env-file', 'missing/.env', 'status'], {
      cwd: dir,
      env,
      encoding: 'utf8',
    });
    expect({ status: sh.status, stdout: sh.stdout, stderr: sh.stderr }).toEqual({ status: 0, stdout: '{}\n', stderr: '' });
    // What the kernel does with bin/llm-auth's shebang on such a system: env gets "-S node --" as one argument.
    const envS = spawnSync(BUSYBOX!, ['env', '-S node --', BIN, '--version'], { cwd: dir, env, encoding: 'utf8' });
    expect(envS.status).not.toBe(0);
    expect(envS.stderr).toContain("invalid option -- 'S'");
  });

  it("npm's Windows shims for bin/llm-auth start `node -- <bin>`", async () => {
    const cmdShim = createRequire(import.meta.url)('cmd-shim') as (from: string, to: string) => Promise<void>;
    const out = path.join(tmpDir(), 'llm-auth');
    await cmdShim(BIN, out);
    const cmd = fs.readFileSync(`${out}.cmd`, 'utf8');
    expect(cmd).toContain('SET "_prog=node"');
    expect(cmd).toMatch(/"%_prog%" -- "%dp0%\\.*llm-auth" %\*/);
    const ps1 = fs.readFileSync(`${out}.ps1`, 'utf8');
    expect(ps1).toMatch(/& "node\$exe" -- "\$basedir\/.*llm-auth" \$args/);
  });

  it('Node alone would take --env-file for itself: why both launchers pass --', () => {
    const dir = repo();
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'llm-auth'), '--env-file', 'missing/.env', 'status'], {
      cwd: dir,
      env: testEnv({ cwd: dir }),
      encoding: 'utf8',
    });
    expect(r.status).toBe(9);
  });
});

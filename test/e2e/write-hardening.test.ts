// Writes are complete or fail (core.md §7, §8.10): a full disk, a short write, the size limit, the owner and
// mode of the store, the directories made for it, and where temporary copies live and how they are cleaned.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withStoreLock } from '../../src/store/file.js';
import { sidecarOf } from '../../src/store/sidecar.js';
import { writeAll } from '../../src/store/syscalls.js';
import { CANARY, runCli } from '../helpers/cli.js';
import { gitRepo, listDir, mode, tmpDir, writeStore } from '../helpers/fs.js';
import { deadPid } from '../helpers/runtime.js';
import { testRuntime } from '../helpers/runtime.js';

const isRoot = process.getuid?.() === 0;

function repo(): { dir: string; store: string } {
  const dir = gitRepo();
  fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
  return { dir, store: path.join(dir, '.env') };
}

/** A store of n api-key surfaces, each with a canary key. */
function bigStore(n: number): string {
  let text = '';
  for (let i = 0; i < n; i++) {
    text += `# BEGIN LLM AUTH SURFACE s${i} api-key\n# provider=openai\n# auth=api-key\n# env=K${i}\nK${i}=${CANARY}-${i}\n# END LLM AUTH SURFACE s${i} api-key\n\n`;
  }
  return text;
}

/** Mounts a tmpfs of `size` inside a fresh temporary directory; only root can. */
function smallDisk(size: string): { dir: string; unmount: () => void } | undefined {
  if (!isRoot) return undefined;
  const dir = path.join(tmpDir(), 'disk');
  fs.mkdirSync(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return { dir, unmount: () => execFileSync('umount', [dir], { stdio: 'ignore' }) };
}

const canMount = ((): boolean => {
  const probe = smallDisk('16k');
  probe?.unmount();
  return probe !== undefined;
})();

describe('a full disk', () => {
  // Needs root and a kernel that lets this process mount a tmpfs; skipped (and reported as skipped) otherwise.
  it.skipIf(!canMount)('fails with ENOSPC and leaves the store byte for byte, with no temporary file', async () => {
    const disk = smallDisk('64k')!;
    try {
      const store = path.join(disk.dir, '.env');
      const text = bigStore(400).slice(0, 42 * 1024);
      const cut = text.lastIndexOf('\n\n') + 2;
      writeStore(store, text.slice(0, cut));
      const before = fs.readFileSync(store);
      const r = await runCli(['--env-file', store, 'add-api-key', 'new', 'openai', '--key', `${CANARY}-new`], { cwd: disk.dir });
      expect(r).toMatchObject({
        code: 1,
        stdout: '',
        stderr: `error: could not write ${store}: ENOSPC: no space left on device\n`,
      });
      expect(fs.readFileSync(store).equals(before)).toBe(true);
      expect(listDir(disk.dir)).toEqual(['.env']);
      // A disk so full that not even the lock fits: the same error, nothing left behind.
      try {
        fs.writeFileSync(path.join(disk.dir, 'filler'), Buffer.alloc(64 * 1024));
      } catch {
        // filled up to the last block
      }
      const full = await runCli(['--env-file', store, 'add-api-key', 'new', 'openai'], { cwd: disk.dir });
      expect(full).toMatchObject({ code: 1, stderr: `error: could not write ${store}: ENOSPC: no space left on device\n` });
      expect(fs.readFileSync(store).equals(before)).toBe(true);
      expect(listDir(disk.dir)).toEqual(['.env', 'filler']);
    } finally {
      disk.unmount();
    }
  });
});

describe('short writes', () => {
  it('writeAll goes on after a short write and fails when no byte can be written', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'f');
    const fd = fs.openSync(file, 'w');
    const calls: number[] = [];
    // At most 3 bytes per call, like a write interrupted by a signal.
    writeAll(fd, Buffer.from('0123456789'), {
      writeSync: (f, b, o, l) => {
        calls.push(l);
        return fs.writeSync(f, b, o, Math.min(l, 3));
      },
    });
    fs.closeSync(fd);
    expect(fs.readFileSync(file, 'utf8')).toBe('0123456789');
    expect(calls).toEqual([10, 7, 4, 1]);
    expect(() => writeAll(0, Buffer.from('x'), { writeSync: () => 0 })).toThrow('ENOSPC');
  });

  it('a write that stops half way fails, leaves the store as it was and no temporary file', async () => {
    const { dir, store } = repo();
    writeStore(store, `A=${CANARY}\n`);
    const rt = testRuntime({ cwd: dir });
    let first = true;
    const system = {
      writeSync: (fd: number, b: Uint8Array, o: number, l: number): number => {
        if (!first) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        first = false;
        return fs.writeSync(fd, b, o, Math.floor(l / 2));
      },
    };
    await expect(
      withStoreLock({ absolute: store, display: '.env' }, rt, (locked) => locked.write((t) => `${t?.text ?? ''}B=2\n`), {
        system,
      }),
    ).rejects.toThrow('could not write .env: ENOSPC: no space left on device');
    expect(fs.readFileSync(store, 'utf8')).toBe(`A=${CANARY}\n`);
    expect(listDir(dir)).toEqual(['.env', '.git', '.gitignore']);
    expect(fs.readdirSync(path.join(dir, '.git', 'llm-auth'))).toEqual([]);
  });
});

describe('limits, owner, mode, directories', () => {
  it('refuses a write that would take the store past 16 MiB, before anything changes', async () => {
    const { dir, store } = repo();
    const filler = `# ${'x'.repeat(1021)}\n`;
    writeStore(store, filler.repeat(16 * 1024 - 1) + '# '.padEnd(1000, 'y') + '\n');
    const before = fs.readFileSync(store);
    const r = await runCli(['add-api-key', 'a', 'openai'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`^error: refusing to write ${store}: it would grow to \\d+ bytes; the limit is 16 MiB\\n$`),
    );
    expect(fs.readFileSync(store).equals(before)).toBe(true);
  });

  it.skipIf(!isRoot)('root rewriting a user store keeps its owner and group', async () => {
    const { dir, store } = repo();
    writeStore(store, 'A=1\n');
    fs.chownSync(store, 4321, 4322);
    expect((await runCli(['add-api-key', 'a', 'openai'], { cwd: dir })).code).toBe(0);
    const st = fs.statSync(store);
    expect([st.uid, st.gid, st.mode & 0o777]).toEqual([4321, 4322, 0o600]);
  });

  it('creates missing directories 0700 whatever the umask', async () => {
    const dir = tmpDir();
    const previous = process.umask(0);
    try {
      const r = await runCli(['--env-file', 'a/b/.env', 'add-api-key', 'x', 'openai'], { cwd: dir });
      expect(r.code).toBe(0);
    } finally {
      process.umask(previous);
    }
    expect(mode(path.join(dir, 'a'))).toBe('700');
    expect(mode(path.join(dir, 'a', 'b'))).toBe('700');
    expect(mode(path.join(dir, 'a', 'b', '.env'))).toBe('600');
  });
});

describe('temporary copies and leftovers', () => {
  it('inside a repository, copies are made in .git/llm-auth (never seen by git), 0700', async () => {
    const { dir, store } = repo();
    const sidecar = sidecarOf({ absolute: store, display: '.env' });
    expect(sidecar.tempDir).toBe(path.join(dir, '.git', 'llm-auth'));
    expect((await runCli(['add-api-key', 'a', 'openai', '--key', CANARY], { cwd: dir })).code).toBe(0);
    expect(mode(sidecar.tempDir)).toBe('700');
    expect(fs.readdirSync(sidecar.tempDir)).toEqual([]);
    expect(listDir(dir)).toEqual(['.env', '.git', '.gitignore']);
  });

  // chattr +i makes the VCS directory unwritable even for root; skipped where the filesystem has no such flag.
  const canChattr = ((): boolean => {
    const probe = path.join(tmpDir(), 'probe');
    try {
      execFileSync('chattr', ['+i', path.dirname(probe)], { stdio: 'ignore' });
      execFileSync('chattr', ['-i', path.dirname(probe)], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!canChattr)('a VCS directory that cannot be written: the copy is made next to the store instead', async () => {
    const { dir, store } = repo();
    execFileSync('chattr', ['+i', path.join(dir, '.git')]);
    try {
      expect(await runCli(['add-api-key', 'a', 'openai', '--key', CANARY], { cwd: dir })).toMatchObject({ code: 0, stderr: '' });
    } finally {
      execFileSync('chattr', ['-i', path.join(dir, '.git')]);
    }
    expect(fs.readFileSync(store, 'utf8')).toContain(`OPENAI_A_API_KEY=${CANARY}\n`);
    expect(fs.existsSync(path.join(dir, '.git', 'llm-auth'))).toBe(false);
    expect(listDir(dir)).toEqual(['.env', '.git', '.gitignore']);
  });

  it('every command (status too) removes copies and locks that dead writers left; a live writer keeps its own', async () => {
    const { dir, store } = repo();
    writeStore(store, 'A=1\n');
    const sidecar = sidecarOf({ absolute: store, display: '.env' });
    fs.mkdirSync(sidecar.tempDir, { mode: 0o700 });
    const dead = deadPid();
    const leftovers = [
      path.join(sidecar.tempDir, `${sidecar.tempPrefix}llm-auth-${dead}-deadbeef.tmp`),
      path.join(dir, `.env.llm-auth-${dead}-deadbeef.tmp`),
      path.join(dir, `.env.lock.${dead}-deadbeef.tmp`),
      path.join(dir, `.env.lock.stale-${dead}-deadbeef`),
    ];
    for (const f of leftovers) fs.writeFileSync(f, `K=${CANARY}\n`, { mode: 0o600 });
    const live = path.join(sidecar.tempDir, `${sidecar.tempPrefix}llm-auth-1-cafebabe.tmp`);
    fs.writeFileSync(live, 'K=1\n');
    fs.writeFileSync(
      `${store}.lock`,
      JSON.stringify({ created_at: 1, host: (await import('node:os')).hostname(), nonce: 'n', pid: dead }),
    );
    const r = await runCli(['status'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(listDir(dir)).toEqual(['.env', '.git', '.gitignore']);
    expect(fs.readdirSync(sidecar.tempDir)).toEqual([path.basename(live)]);
  });
});

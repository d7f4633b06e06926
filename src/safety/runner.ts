// Runs VCS commands the safe way (core.md §8.3): no shell, no stdin, an allow-listed environment, 30 s each.
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { childProcessModule } from '../lib/builtins.js';
import type { Environment } from '../lib/runtime.js';

export type VcsResult =
  | { kind: 'exit'; code: number; stdout: string; stderr: string }
  | { kind: 'missing' }
  | { kind: 'timeout' }
  | { kind: 'spawn-error'; code: string };

export interface VcsRunOptions {
  /** Variables for this command only: GIT_DIR and GIT_WORK_TREE of the user's repository (core.md §8.10). */
  env?: Readonly<Record<string, string>>;
  /** Written to the command's stdin, which is then closed (`rev-list --stdin`); else there is no stdin. */
  input?: string;
}

/** The injectable runner of checkStoreSafety: tests may replace it, production spawns the binary. */
export type VcsRunner = (binary: string, args: readonly string[], options?: VcsRunOptions) => Promise<VcsResult>;

/**
 * Passed from the process: where programs and the user's own configuration are (which decides what the
 * user's git ignores: core.excludesFile lives there). Nothing else: no secret, no GIT_DIR or GIT_INDEX_FILE.
 */
const PASSED_VARIABLES = [
  'PATH',
  'HOME',
  'USERPROFILE',
  'XDG_CONFIG_HOME',
  'SystemRoot',
  'GIT_CONFIG_GLOBAL',
  'GIT_CONFIG_SYSTEM',
  'GIT_CONFIG_NOSYSTEM',
];
export const VCS_TIMEOUT_MS = 30_000;

export function vcsEnvironment(env: Environment, extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const name of PASSED_VARIABLES) if (env[name] !== undefined) out[name] = env[name];
  out.LC_ALL = 'C';
  out.GIT_OPTIONAL_LOCKS = '0';
  out.GIT_TERMINAL_PROMPT = '0';
  out.HGPLAIN = '1';
  // Mercurial and Sapling: no hook, extension or alias from the inspected repository's own config
  // (the equivalent of git's core.fsmonitor=false; HGPLAIN already drops aliases).
  out.HGRCSKIPREPO = '1';
  return { ...out, ...extra };
}

export function createVcsRunner(env: Environment): VcsRunner {
  return (binary, args, options = {}) =>
    new Promise<VcsResult>((resolve) => {
      let child: ChildProcessByStdio<Writable | null, Readable, Readable>;
      try {
        child = childProcessModule().spawn(binary, [...args], {
          env: vcsEnvironment(env, options.env),
          stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
          windowsHide: true,
        }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
        resolve(code === 'ENOENT' ? { kind: 'missing' } : { kind: 'spawn-error', code });
        return;
      }
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      let settled = false;
      const finish = (result: VcsResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish({ kind: 'timeout' });
      }, VCS_TIMEOUT_MS);
      if (options.input !== undefined && child.stdin) {
        // A command that exits without reading all of it closes the pipe: that is its answer, not an error.
        child.stdin.on('error', () => undefined);
        child.stdin.end(options.input);
      }
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => errOut.push(b));
      child.on('error', (err: NodeJS.ErrnoException) => {
        finish(err.code === 'ENOENT' ? { kind: 'missing' } : { kind: 'spawn-error', code: err.code ?? 'EUNKNOWN' });
      });
      child.on('close', (code, signal) => {
        finish({
          kind: 'exit',
          code: code ?? (signal ? 128 : 1),
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(errOut).toString('utf8'),
        });
      });
    });
}

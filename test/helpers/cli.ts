// Runs the built CLI (bin/llm-auth) as a subprocess, the way users do, and checks that no planted canary
// secret ever appears in what it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(ROOT, 'bin', 'llm-auth');

/** Canary secrets planted in stores and environments; none may ever be printed. */
export const CANARY = 'sk-canary-7f3a9c1e5b2d4a6f8e0c';
export const CANARY_QUOTED = 'canary secret with spaces 9d8e7f';
const CANARIES = [CANARY, CANARY_QUOTED];

/** Secrets a fake server handed out (tokens, authorization codes); checked in every CLI output like the canaries. */
export const plantedSecrets = new Set<string>();

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Replaces PATH (default: the test process's PATH). */
  path?: string;
  home?: string;
  /** Called with the child once it started (e.g. to send a signal). */
  onSpawn?: (child: ChildProcess) => void;
}

export function assertNoCanary(text: string, where: string): void {
  for (const canary of [...CANARIES, ...plantedSecrets]) {
    for (const piece of [canary, canary.slice(0, 8), canary.slice(-6)]) {
      if (text.includes(piece))
        throw new Error(`canary secret (or its prefix/suffix) printed on ${where}: ${JSON.stringify(text)}`);
    }
  }
}

export function runCli(args: readonly string[], options: RunOptions): Promise<CliResult> {
  // A minimal environment: no CHATGPT_AUTH_JSON or keys leak in from the developer's shell, and no
  // NODE_EXTRA_CA_CERTS (it costs Node 40 ms at start-up).
  const env: Record<string, string> = {
    PATH: options.path ?? process.env.PATH ?? '/usr/bin:/bin',
    HOME: options.home ?? options.cwd,
  };
  for (const [k, v] of Object.entries(options.env ?? {})) if (v !== undefined) env[k] = v;
  return new Promise((resolve, reject) => {
    // The executable itself, as users run it: its shebang finds `node` on PATH.
    const child = spawn(BIN, [...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    options.onSpawn?.(child);
    child.on('close', (code, signal) => {
      try {
        assertNoCanary(stdout, 'stdout');
        assertNoCanary(stderr, 'stderr');
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      resolve({ code, signal, stdout, stderr });
    });
  });
}

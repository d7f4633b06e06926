// Runs the CLI and checks that no planted canary secret ever appears in what it prints: `runCli` in this
// process through main() with a fake clock (fast, and no test waits on wall-clock time), `runBin` as the
// built bin/llm-auth in a subprocess, for what only a real process shows (signals, exit status, TTYs,
// parallel processes, the shebang).
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { FakeClock, testEnv, testRuntime } from './runtime.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The npm bin, a script run by Node. */
export const SCRIPT_BIN = path.join(ROOT, 'bin', 'llm-auth');
/**
 * What the subprocess tests run: the npm bin, or what LLM_AUTH_BIN names (`npm run test:binary` sets it to the
 * single executable, dist/llm-auth-<platform>-<arch>).
 */
export const BIN = process.env.LLM_AUTH_BIN ? path.resolve(ROOT, process.env.LLM_AUTH_BIN) : SCRIPT_BIN;

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
  /** `token`, `env`: stdout carries secrets by design; stderr is still scanned. */
  secretsOnStdout?: boolean;
  env?: Record<string, string | undefined>;
  /** Replaces PATH (default: the test process's PATH). */
  path?: string;
  home?: string;
}

export interface BinOptions extends RunOptions {
  /** Written to the child's stdin, which is then closed (default: no stdin at all). */
  stdin?: string;
  /** Called with the child once it started (e.g. to send a signal). */
  onSpawn?: (child: ChildProcess) => void;
}

export interface InProcessOptions extends RunOptions {
  /** The clock the command sees; its sleeps pass at once (default: a fake clock set to now). */
  clock?: FakeClock;
  /** Called with each piece of stderr as it is written (e.g. to release a lock once the wait is reported). */
  onStderr?: (text: string) => void;
  /** Replaces fetch (e.g. to act when a request goes out). */
  fetch?: typeof fetch;
  /** What the command reads on stdin. */
  stdin?: string;
  /** Makes stdout claim to be a terminal. */
  stdoutIsTTY?: boolean;
}

/** The text with JSON `\uXXXX` and URL `%XX` escapes decoded: a secret echoed encoded is still a leak. */
function decoded(text: string): string {
  return text
    .replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
}

export function assertNoCanary(text: string, where: string): void {
  for (const canary of [...CANARIES, ...plantedSecrets]) {
    for (const piece of [canary, canary.slice(0, 8), canary.slice(-6)]) {
      if (text.includes(piece) || decoded(text).includes(piece))
        throw new Error(`canary secret (or its prefix/suffix) printed on ${where}: ${JSON.stringify(text)}`);
    }
  }
}

/** Runs `main(args)` in this process with a Runtime of its own: the test's cwd, environment and clock. */
export async function runCli(args: readonly string[], options: InProcessOptions): Promise<CliResult> {
  const rt = testRuntime({ ...options, clock: options.clock ?? new FakeClock() });
  if (options.onStderr) rt.stderr.on('data-written', options.onStderr);
  const code = await main(args, rt);
  const result = { code, signal: null, stdout: rt.stdout.text, stderr: rt.stderr.text };
  if (!options.secretsOnStdout) assertNoCanary(result.stdout, 'stdout');
  assertNoCanary(result.stderr, 'stderr');
  return result;
}

/** Runs the built bin/llm-auth as a subprocess, the way users do. */
export function runBin(args: readonly string[], options: BinOptions): Promise<CliResult> {
  // A minimal environment: no CHATGPT_AUTH_JSON or keys leak in from the developer's shell, and no
  // NODE_EXTRA_CA_CERTS (it costs Node 40 ms at start-up).
  const env = testEnv(options);
  return new Promise((resolve, reject) => {
    // The executable itself, as users run it: its shebang finds `node` on PATH.
    const child = spawn(BIN, [...args], {
      cwd: options.cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // No stdin unless the test gives one: end of input at once.
    child.stdin.end(options.stdin ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    options.onSpawn?.(child);
    child.on('close', (code, signal) => {
      try {
        if (!options.secretsOnStdout) assertNoCanary(stdout, 'stdout');
        assertNoCanary(stderr, 'stderr');
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      resolve({ code, signal, stdout, stderr });
    });
  });
}

// The portal session token (gateway.md §3): from the environment, else the `.env`, else `session_command`.
// A token whose JWT `exp` has passed is skipped in favour of the command. Tokens are never read from argv.
import { childProcessModule } from '../../lib/builtins.js';
import { onInterrupt } from '../../lib/interrupt.js';
import { jwtExp } from '../../lib/jwt.js';
import { pyTrim } from '../../lib/python.js';
import type { Runtime } from '../../lib/runtime.js';
import type { GatewayConfig } from './config.js';
import { sessionExpiredText } from './protocol.js';

export type SessionSource = 'environment' | 'env-file' | 'command';

export interface Session {
  readonly token: string;
  readonly source: SessionSource;
}

export type SessionOutcome =
  | { ok: true; session: Session }
  /** `missing`: no token and no command; `expired`: a JWT past its `exp` and no command; `command`: it failed. */
  | { ok: false; reason: 'missing' | 'expired' | 'command'; text: string };

export type CommandOutcome = { ok: true; token: string } | { ok: false; text: string };

/** gateway.md §3: a session_command gets 30 s, less when the command's own limit is closer. */
export const SESSION_COMMAND_LIMIT_MS = 30_000;

/** Runs `session_command` within the command's limit (`test --timeout`, `login --timeout`), at most 30 s. */
export function runSessionCommandWithin(
  rt: Runtime,
  command: string,
  timeoutMs: number,
  timeoutLabel: string,
): Promise<CommandOutcome> {
  const limit = Math.min(SESSION_COMMAND_LIMIT_MS, timeoutMs);
  return runSessionCommand(rt, command, limit, limit === SESSION_COMMAND_LIMIT_MS ? '30' : timeoutLabel);
}

/** stdout beyond this is not a token; the command is stopped. */
const MAX_OUTPUT_BYTES = 64 * 1024;

/** The session the environment or the file holds (non-blank), environment first. */
export function storedSession(config: GatewayConfig, env: Runtime['env'], fileValue: string | undefined): Session | undefined {
  const fromEnv = env[config.sessionEnv];
  if (fromEnv !== undefined) {
    const token = pyTrim(fromEnv);
    return token === '' ? undefined : { token, source: 'environment' };
  }
  const token = pyTrim(fileValue ?? '');
  return token === '' ? undefined : { token, source: 'env-file' };
}

/** The session's expiry (JWT `exp`, epoch seconds), or undefined when the token is not a JWT with one. */
export const sessionExpiry = (token: string): number | undefined => jwtExp(token);

/**
 * Runs `session_command` through the shell: the environment llm-auth was started with, stdin closed, stderr
 * passed through, stdout captured, stopped (with its whole process group) at the time limit.
 */
export function runSessionCommand(rt: Runtime, command: string, limitMs: number, limitLabel: string): Promise<CommandOutcome> {
  const windows = rt.platform === 'win32';
  const [file, args] = windows ? [rt.env.ComSpec ?? 'cmd.exe', ['/d', '/s', '/c', `"${command}"`]] : ['/bin/sh', ['-c', command]];
  // The process's own stderr (the CLI's writer of fd 2, or the stream itself): passed through.
  const inheritStderr = (rt.stderr as { fd?: unknown }).fd === 2 || rt.stderr === process.stderr;
  return new Promise((resolve) => {
    let settled = false;
    let stdout = Buffer.alloc(0);
    let tooLong = false;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(rt.env)) if (v !== undefined) env[k] = v;
    const child = childProcessModule().spawn(file, args, {
      env,
      stdio: ['ignore', 'pipe', inheritStderr ? 'inherit' : 'pipe'],
      // Its own process group, so that a time limit or Ctrl-C stops what it started too.
      detached: !windows,
      windowsHide: true,
      windowsVerbatimArguments: windows,
    });
    const stop = (): void => {
      try {
        if (!windows && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // already gone
      }
    };
    const unregister = onInterrupt(stop);
    const finish = (outcome: CommandOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unregister();
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      stop();
      child.stdout?.destroy();
      finish({ ok: false, text: `session_command failed: timed out after ${limitLabel}s` });
    }, limitMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (stdout.length + chunk.length > MAX_OUTPUT_BYTES) {
        tooLong = true;
        stop();
        return;
      }
      stdout = Buffer.concat([stdout, chunk]);
    });
    if (!inheritStderr) child.stderr!.on('data', (chunk: Buffer) => rt.stderr.write(chunk));
    child.on('error', (err: NodeJS.ErrnoException) =>
      finish({ ok: false, text: `session_command failed: ${err.code ?? 'ENOENT'}` }),
    );
    child.on('close', (code, signal) => {
      if (tooLong) return finish({ ok: false, text: 'session_command printed no token' });
      if (signal !== null) return finish({ ok: false, text: `session_command failed: killed by ${signal}` });
      if (code !== 0) return finish({ ok: false, text: `session_command failed: exit ${code}` });
      const token = stdout.toString('utf8').trim();
      if (token === '' || /[\r\n]/.test(token)) return finish({ ok: false, text: 'session_command printed no token' });
      finish({ ok: true, token });
    });
  });
}

export interface SessionRequest {
  readonly config: GatewayConfig;
  readonly stored: Session | undefined;
  readonly nowS: number;
  /** Runs `session_command` with the command's time limit. */
  readonly run: (command: string) => Promise<CommandOutcome>;
}

/** §3: the stored token unless its JWT has expired, else the command's. */
export async function obtainSession({ config, stored, nowS, run }: SessionRequest): Promise<SessionOutcome> {
  if (stored) {
    const exp = sessionExpiry(stored.token);
    const expired = exp !== undefined && nowS >= exp;
    if (!expired) return { ok: true, session: stored };
    if (config.sessionCommand === undefined)
      return { ok: false, reason: 'expired', text: sessionExpiredText(config.name, nowS - exp) };
  }
  if (config.sessionCommand === undefined) {
    return { ok: false, reason: 'missing', text: `no portal session; run \`llm-auth login ${config.name}\`` };
  }
  const outcome = await run(config.sessionCommand);
  return outcome.ok
    ? { ok: true, session: { token: outcome.token, source: 'command' } }
    : { ok: false, reason: 'command', text: outcome.text };
}

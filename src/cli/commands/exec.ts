// `exec [surface...] -- command args` (commands.md §5): fresh variables into a child's environment, then the
// child runs without a shell with our stdin, stdout and stderr; its exit status (or its death by signal) is ours.
import { childProcessModule } from '../../lib/builtins.js';
import type { ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { constants } from 'node:os';
import { LlmAuthError } from '../../lib/errors.js';
import { exitSignal, overrideSignals } from '../../lib/interrupt.js';
import { openStoreFor, type Invocation } from '../context.js';
import { withDeadline } from '../deadline.js';
import { planExports } from '../exports.js';
import { timeoutSeconds } from '../options.js';
import { findWindowsCommand, windowsLaunch } from '../../lib/windows-command.js';
import type { HandOnOptions } from './token.js';

// SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 are always forwarded; these two only when no terminal sent them too.
const FROM_TERMINAL: readonly NodeJS.Signals[] = ['SIGINT', 'SIGQUIT'];

/** Spawns without a shell; on Windows after a PATHEXT lookup, batch files through cmd.exe (§5.4). */
function startChild(file: string, args: string[], rt: Invocation['rt'], env: Record<string, string>): ChildProcess {
  if (rt.platform !== 'win32') return childProcessModule().spawn(file, args, { cwd: rt.cwd, env, stdio: 'inherit' });
  const found = findWindowsCommand(file, env, rt.cwd, (candidate) => {
    try {
      return statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
  if (found === undefined) throw new LlmAuthError(`command not found: ${file}`, { exitCode: 127 });
  const launch = windowsLaunch(found, args, env.ComSpec ?? env.COMSPEC);
  return childProcessModule().spawn(launch.file, [...launch.args], {
    cwd: rt.cwd,
    env,
    stdio: 'inherit',
    windowsVerbatimArguments: launch.verbatim,
  });
}

export async function execCommand(inv: Invocation, names: string[], command: string[], options: HandOnOptions): Promise<number> {
  const { seconds, label } = timeoutSeconds(options.timeout, '20');
  const { rt, output } = inv;
  const store = await openStoreFor(inv, 'always');
  const warn = (m: string): void => output.warn(m);
  const prepare = planExports(store, names, 'exec', warn);
  const exports = await withDeadline(seconds, label, (signal) => prepare({ renew: options.renew !== false, signal, warn }));

  // The environment we were started with, minus the unsets, plus the exports; nothing else of the .env.
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(rt.env)) if (v !== undefined && !exports.unset.has(k)) env[k] = v;
  for (const [k, v] of exports.set) env[k] = v;
  // Warnings so far go out now: the child owns the terminal from here.
  output.flush();

  const [file, ...args] = command as [string, ...string[]];
  const child = startChild(file, args, rt, env);
  const stdinIsTTY = rt.stdin.isTTY === true;
  const extra: Array<[NodeJS.Signals, () => void]> = [];
  overrideSignals((signal) => {
    // At a terminal, Ctrl-C and Ctrl-\ already reached the child (same process group): never a second copy.
    if (FROM_TERMINAL.includes(signal) && stdinIsTTY) return;
    child.kill(signal);
  });
  // SIGINT, SIGTERM and SIGHUP reach the CLI's own handlers, which ask the override; the others are ours here.
  for (const signal of ['SIGUSR1', 'SIGUSR2', 'SIGQUIT'] as const) {
    const handler = (): void => {
      if (signal === 'SIGQUIT' && stdinIsTTY) return;
      child.kill(signal);
    };
    process.on(signal, handler);
    extra.push([signal, handler]);
  }
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') reject(new LlmAuthError(`command not found: ${file}`, { exitCode: 127 }));
        else if (err.code === 'EACCES') reject(new LlmAuthError(`cannot run ${file}: permission denied`, { exitCode: 126 }));
        else reject(new LlmAuthError(`cannot run ${file}: ${err.code ?? 'unknown error'}`, { exitCode: 126 }));
      });
      child.on('exit', (code, signal) => {
        if (signal !== null) {
          exitSignal.value = signal;
          resolve(128 + (constants.signals[signal] ?? 0));
        } else resolve(code ?? 1);
      });
    });
  } finally {
    overrideSignals(undefined);
    for (const [signal, handler] of extra) process.removeListener(signal, handler);
  }
}

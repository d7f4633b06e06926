// The `status` bundle (dist/status.cjs): `status` runs in shell prompts and scripts, where every millisecond
// shows, and needs none of commander, the HTTP clients or the login and renewal flows. bin/start.cjs loads this
// bundle when the command line names `status`; a plain `status` command line is read here, the way commander
// reads it, and anything else (help, an unknown option, `--`, a second name) goes to the full CLI
// (dist/cli.cjs), which gives its usual answers and errors. Both bundles build the store, the safety checks
// and the output from the same modules.
import { join } from 'node:path';
import type { Runtime } from '../lib/runtime.js';
import { createRuntime } from '../runtime.js';
import { statusCommand } from './commands/status.js';
import { Output } from './output.js';
import { runCommand, runProcess } from './process.js';

/** A `status` command line, read. */
export interface PlainStatus {
  readonly surface: string | undefined;
  readonly human: boolean;
  readonly envFile: string | undefined;
}

/**
 * argv (without node and script) when it is a plain `status`: the command, at most one surface name, `--human`
 * after the command, and `--env-file PATH` or `--env-file=PATH` once, before or after the command, with a value
 * that is not empty and does not start with `-`. Anything else is undefined: not ours to read.
 */
export function plainStatus(argv: readonly string[]): PlainStatus | undefined {
  let command = false;
  let surface: string | undefined;
  let human = false;
  let envFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--env-file' || arg.startsWith('--env-file=')) {
      const value = arg === '--env-file' ? argv[++i] : arg.slice('--env-file='.length);
      if (envFile !== undefined || value === undefined || value === '' || value.startsWith('-')) return undefined;
      envFile = value;
    } else if (!command) {
      if (arg !== 'status') return undefined;
      command = true;
    } else if (arg === '--human' && !human) human = true;
    else if (arg.startsWith('-') || surface !== undefined) return undefined;
    else surface = arg;
  }
  return command ? { surface, human, envFile } : undefined;
}

/** `status` as main() runs it after commander has read the command line; resolves to the exit code. */
export function statusMain(args: PlainStatus, overrides: Partial<Runtime> = {}): Promise<number> {
  const rt = createRuntime(overrides);
  return runCommand((inv) => statusCommand(inv, args.surface, { human: args.human }), {
    rt,
    output: new Output(rt),
    envFile: args.envFile,
  });
}

/** Entry point of bin/llm-auth for a command line that names `status`. */
export function run(): Promise<void> {
  const args = plainStatus(process.argv.slice(2));
  if (args === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the full CLI, next to this bundle, only when needed
    const full = require(join(__dirname, 'cli.cjs')) as { run(): Promise<void> };
    return full.run();
  }
  return runProcess((_argv, overrides) => statusMain(args, overrides));
}

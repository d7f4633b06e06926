// The command line: parse argv with commander, run one command, catch once, map errors to exit codes.
import { Command, CommanderError, Option } from 'commander';
import { usageError } from '../lib/errors.js';
import { exitSignal } from '../lib/interrupt.js';
import type { Runtime } from '../lib/runtime.js';
import { createRuntime } from '../runtime.js';
import { VERSION } from '../version.js';
import { addApiKeyCommand, type AddApiKeyOptions } from './commands/add-api-key.js';
import { addGatewayCommand, type AddGatewayOptions } from './commands/add-gateway.js';
import { completionCommand } from './commands/completion.js';
import { envCommand } from './commands/env.js';
import { execCommand } from './commands/exec.js';
import { logoutCommand } from './commands/logout.js';
import { tokenCommand, type HandOnOptions } from './commands/token.js';
import { loginCommand, type LoginOptions } from './commands/login.js';
import { renewCommand } from './commands/renew.js';
import { statusCommand } from './commands/status.js';
import { testCommand, type TestCommandOptions } from './commands/test.js';
import type { Invocation } from './context.js';
import { Output } from './output.js';
import { runCommand, runProcess } from './process.js';

const HELP_AFTER = `
Examples:
  llm-auth status                                   presence and expiry of every surface, as JSON
  llm-auth status research                          one surface
  llm-auth test                                     one pass/fail line per surface
  llm-auth test research --model gpt-4.1-mini       every subtest of one surface
  llm-auth login                                    sign in to ChatGPT (device code)
  llm-auth renew                                    refresh every surface with renew=true
  llm-auth add-api-key research openai --model gpt-4.1-mini
  llm-auth add-api-key evals openrouter --env OPENROUTER_API_KEY --api-base https://openrouter.ai/api/v1
  llm-auth add-gateway corp --portal https://portal.example.com --api-base https://llm.example.com/v1
  pbpaste | llm-auth login corp --with-token        store a portal session for a gateway surface
  llm-auth renew corp                               renew the gateway key when it stopped working
  llm-auth --env-file ~/src/app/.env status         a store other than ./.env

Exit codes:
  0    success
  1    failure: malformed or unsafe store, validation or write error, failed subtest or renewal, login failure
  2    usage error or unknown surface
  130  interrupted (129 after SIGHUP, 143 after SIGTERM)

The store must be readable only by you (chmod 600), ignored by git, Mercurial or Sapling, untracked, and
absent from commit history; llm-auth refuses it otherwise.`;

type Run = (inv: Invocation) => Promise<number>;
type Select = (run: Run) => void;

function rootProgram(capture: { out: string; err: string }): Command {
  return new Command('llm-auth')
    .description('Keep the credentials of LLM developer tools in a git-ignored .env, in metadata envelopes.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .addOption(new Option('--env-file <path>', 'the store (default: ./.env)'))
    .exitOverride()
    .configureOutput({
      writeOut: (s) => {
        capture.out += s;
      },
      writeErr: (s) => {
        capture.err += s;
      },
      outputError: () => undefined,
    })
    .showSuggestionAfterError(true)
    .addHelpText('after', HELP_AFTER);
}

function addReadCommands(program: Command, select: Select, keep: Keep): void {
  if (keep('status'))
    program
      .command('status')
      .description('show each surface as JSON: presence, expiry; no secret, no network')
      .argument('[surface]', 'only surfaces with this name')
      .option('--human', 'a table for people (surface, mode, configured, source, expiry) instead of the JSON')
      .action((surface: string | undefined, options: { human?: boolean }) =>
        select((inv) => statusCommand(inv, surface, options)),
      );

  if (keep('test'))
    program
      .command('test')
      .description('check surfaces live: api keys against their API, ChatGPT token state, gateway session, portal and key')
      .argument('[surface]', 'only surfaces with this name (one line per subtest)')
      .option('--model <model>', 'model for the surface named (not for aggregate runs)')
      .option(
        '--surface-model <SURFACE=MODEL>',
        'model for one surface; repeatable',
        // No default value: commander would show `(default: [])` in the help.
        (v: string, acc: string[] | undefined) => [...(acc ?? []), v],
      )
      .option('--timeout <seconds>', 'per-request timeout in seconds (default 60)')
      .option('--verbose', 'trace the live ChatGPT check on stderr')
      .option('--show-raw-error', 'show the raw (redacted) body of a failed live ChatGPT check')
      .action((surface: string | undefined, options: TestCommandOptions) => select((inv) => testCommand(inv, surface, options)));
}

function addHandOnCommands(program: Command, select: Select, child: { command: string[] | undefined }, keep: Keep): void {
  if (keep('token'))
    program
      .command('token')
      .description('print the fresh secret of one surface and a newline, nothing else (for apiKeyHelper, Codex auth)')
      .argument('<surface>', 'the surface')
      .option('--auth <mode>', 'api-key, subscription-oauth or gateway-key, when the name has several')
      .option('--no-renew', 'the stored value as is: no refresh, no renewal, no request')
      .option('--timeout <seconds>', 'give up preparing after this many seconds (default 20)')
      .action((surface: string, options: HandOnOptions & { auth?: string }) =>
        select((inv) => tokenCommand(inv, surface, options)),
      );

  if (keep('env'))
    program
      .command('env')
      .description('print export lines for the clients of the surfaces (default: every api-key and gateway surface)')
      .argument('[surface...]', 'surfaces to export')
      .option('--format <format>', 'sh, fish, powershell, dotenv or json (default sh)')
      .option('--no-renew', 'the stored values as they are')
      .option('--timeout <seconds>', 'give up preparing after this many seconds (default 20)')
      .action((surfaces: string[], options: HandOnOptions & { format?: string }) =>
        select((inv) => envCommand(inv, surfaces, options)),
      );

  if (keep('exec'))
    program
      .command('exec')
      .description('run a command with the fresh variables of the surfaces: llm-auth exec corp -- gemini')
      .argument('[surface...]', 'surfaces to export (default: every api-key and gateway surface)')
      .option('--no-renew', 'the stored values as they are')
      .option('--timeout <seconds>', 'give up preparing after this many seconds (default 20); the command itself has no limit')
      .action((surfaces: string[], options: HandOnOptions) =>
        select((inv) => {
          if (child.command === undefined) throw usageError('exec needs -- before the command');
          if (child.command.length === 0) throw usageError('exec needs a command after --');
          return execCommand(inv, surfaces, child.command, options);
        }),
      );

  if (keep('logout'))
    program
      .command('logout')
      .description('forget what login stored for a surface (local only: no server is called)')
      .argument('<surface>', 'the surface')
      .option('--auth <mode>', 'api-key, subscription-oauth or gateway-key, when the name has several')
      .action((surface: string, options: { auth?: string }) => select((inv) => logoutCommand(inv, surface, options)));
}

function addCompletionCommand(program: Command, select: Select, keep: Keep): void {
  if (keep('completion'))
    program
      .command('completion')
      .description('print a completion script: source <(llm-auth completion bash), or zsh, or fish')
      .argument('[shell]', 'bash, zsh or fish')
      .option('--surfaces', 'print the surface names of the store (what the scripts complete), one per line')
      .action((shell: string | undefined, options: { surfaces?: boolean }) =>
        select((inv) => completionCommand(inv, program, shell, options)),
      );
}

/** Where the command's name is in argv: after the global options (`--env-file` takes a value). */
function commandIndex(argv: readonly string[]): number {
  let i = 0;
  while (i < argv.length && argv[i]!.startsWith('-') && argv[i] !== '--') i += argv[i] === '--env-file' ? 2 : 1;
  return i;
}

type Keep = (name: string) => boolean;

/** Every command main() defines (a test holds it to the help's list). */
export const COMMANDS = [
  'status',
  'test',
  'token',
  'env',
  'exec',
  'logout',
  'completion',
  'login',
  'renew',
  'add-api-key',
  'add-gateway',
];

/**
 * Which commands to define: only the one argv names, when it names one and asks for no help (defining the
 * other ten cost every run about 2 ms at start-up); all of them for help, errors about an unknown command
 * (their suggestions), and `completion` (its scripts list every command).
 */
function commandsToDefine(argv: readonly string[]): Keep {
  const name = argv[commandIndex(argv)];
  const helpAsked = argv.some((a) => a === '-h' || a === '--help');
  if (name === undefined || name === 'completion' || helpAsked || !COMMANDS.includes(name)) return () => true;
  return (n) => n === name;
}

/** The command argv names, when it is one of ours. */
function commandNamed(program: Command, argv: readonly string[]): string | undefined {
  const name = argv[commandIndex(argv)];
  return program.commands.some((c) => c.name() === name) ? name : undefined;
}

/** For `exec`, everything after the first `--` is the child's, untouched: split it off before parsing. */
function splitExec(argv: readonly string[]): { ours: string[]; command: string[] | undefined } {
  const i = commandIndex(argv);
  if (argv[i] !== 'exec') return { ours: [...argv], command: undefined };
  const dashdash = argv.indexOf('--', i);
  return dashdash < 0
    ? { ours: [...argv], command: undefined }
    : { ours: argv.slice(0, dashdash), command: argv.slice(dashdash + 1) };
}

function addWriteCommands(program: Command, select: Select, keep: Keep): void {
  if (keep('login'))
    program
      .command('login')
      .description('sign in: ChatGPT through the device-code flow, or store a gateway portal session')
      .argument('[surface]', 'the surface (default: the only login-capable one, else chatgpt)')
      .option(
        '--timeout <seconds>',
        'give up waiting for the sign-in (gateway: for each request) after this many seconds (default 180)',
      )
      .option('--no-browser', 'do not open the verification page')
      .option('--with-token', 'read a portal session token from stdin (gateway-key surfaces)')
      .action((surface: string | undefined, options: LoginOptions) => select((inv) => loginCommand(inv, surface, options)));

  if (keep('renew'))
    program
      .command('renew')
      .description('refresh ChatGPT tokens and renew gateway keys (a valid key costs one GET; safe to run from cron)')
      .argument('[surface]', 'only surfaces with this name (default: every surface with renew=true)')
      .option('--force', 'renew without probing first, even when another process renewed within the last minute')
      .action((surface: string | undefined, options: { force?: boolean }) =>
        select((inv) => renewCommand(inv, surface, options)),
      );

  if (keep('add-api-key'))
    program
      .command('add-api-key')
      .description('append an api-key envelope to the store')
      .argument('<surface>', 'surface name (letters, digits, dot, underscore, dash)')
      .argument('<provider>', 'provider, e.g. openai or openrouter')
      .option('--env <name>', 'variable holding the key (default {PROVIDER}_{SURFACE}_API_KEY)')
      .option('--model <model>', 'model used by `llm-auth test`')
      .option('--api-base <url>', 'OpenAI-compatible base URL')
      .option(
        '--key <key>',
        'the key; `--key -` reads it from stdin (hidden prompt at a terminal): the safe way, as a value it lands in shell history and ps',
      )
      .option('--allow-unignored', 'write even when the store is not ignored by the VCS')
      .action((surface: string, provider: string, options: AddApiKeyOptions) =>
        select((inv) => addApiKeyCommand(inv, surface, provider, options)),
      );

  if (keep('add-gateway'))
    program
      .command('add-gateway')
      .description("append a gateway-key envelope: an organisation's portal that mints short-lived gateway keys")
      .argument('<surface>', 'surface name (letters, digits, dot, underscore, dash)')
      .requiredOption('--portal <url>', 'the portal (Open WebUI) base URL, https')
      .requiredOption('--api-base <url>', 'the gateway (LiteLLM) base URL with /v1, https')
      .option('--env <name>', 'variable holding the key (default LLM_AUTH_{SURFACE}_GATEWAY_KEY)')
      .option('--session-env <name>', 'variable holding the portal session (default LLM_AUTH_{SURFACE}_PORTAL_SESSION)')
      .option('--key-path <path>', 'key route on the portal (default /api/v1/auths/api_key)')
      .option('--clients <list>', 'clients `env` and `exec` feed (default claude,codex,gemini,opencode)')
      .option('--session-command <cmd>', 'shell command that prints a fresh session token')
      .action((surface: string, options: AddGatewayOptions) => select((inv) => addGatewayCommand(inv, surface, options)));
}

/**
 * commander's message, on one line, without echoing what the user typed where it may be a secret
 * (core.md §8.10): `--kye=sk-...` is reported as `--kye`, `-ksk-...` as `-k`, and an unknown command only
 * when it looks like a command name.
 */
export function usageMessage(err: CommanderError): string {
  let message = err.message
    .replace(/^error: /, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
  if (err.code === 'commander.unknownOption') {
    message = message.replace(/^unknown option '(.*?)'(?= \(Did you mean|$)/, (_, token: string) => {
      const name = token.startsWith('--') ? token.split('=')[0]! : token.slice(0, 2);
      return `unknown option '${name}'`;
    });
  } else if (err.code === 'commander.unknownCommand') {
    message = message.replace(/^unknown command '(.*?)'(?= \(Did you mean|$)/, (whole, name: string) =>
      /^[a-z][a-z-]{0,19}$/.test(name) ? whole : 'unknown command (not shown: it does not look like a command name)',
    );
  }
  return message;
}

/** `--key` values on the command line: masked before anything is printed, usage errors included. */
function keysOnCommandLine(argv: readonly string[]): string[] {
  const keys: string[] = [];
  for (const [i, arg] of argv.entries()) {
    if (arg === '--key' && argv[i + 1] !== undefined) keys.push(argv[i + 1]!);
    else if (arg.startsWith('--key=')) keys.push(arg.slice('--key='.length));
  }
  return keys;
}

type Parsed = { kind: 'run'; run: Run; envFile: string | undefined } | { kind: 'exit'; code: number };

/** Parses argv: the command to run, or the exit code of help, version or a usage error (already printed). */
async function parseArguments(argv: readonly string[], rt: Runtime, output: Output): Promise<Parsed> {
  const capture = { out: '', err: '' };
  let run: Run | undefined;
  const program = rootProgram(capture);
  const select: Select = (r) => {
    run = r;
  };
  const { ours, command } = splitExec(argv);
  const keep = commandsToDefine(ours);
  addReadCommands(program, select, keep);
  addWriteCommands(program, select, keep);
  addHandOnCommands(program, select, { command }, keep);
  addCompletionCommand(program, select, keep);
  try {
    await program.parseAsync(ours, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) {
      output.error('unexpected failure while parsing the command line');
      return { kind: 'exit', code: 2 };
    }
    // `--help`, `help`, `help status`, `--version`, `-V`: what commander wrote, on stdout, exit 0.
    if (
      err.code === 'commander.helpDisplayed' ||
      err.code === 'commander.version' ||
      (err.code === 'commander.help' && err.exitCode === 0)
    ) {
      rt.stdout.write(capture.out);
      return { kind: 'exit', code: 0 };
    }
    // No command at all: commander would print the help on stderr; we give the fixed one-line error.
    if (err.code === 'commander.help' || err.code === 'commander.executeSubCommandAsync') {
      output.error('the following arguments are required: command');
      output.hint('see llm-auth --help');
      return { kind: 'exit', code: 2 };
    }
    output.error(usageMessage(err));
    const named = commandNamed(program, ours);
    output.hint(`see llm-auth${named === undefined ? '' : ` ${named}`} --help`);
    return { kind: 'exit', code: 2 };
  }
  if (!run) {
    output.error('the following arguments are required: command');
    output.hint('see llm-auth --help');
    return { kind: 'exit', code: 2 };
  }
  return { kind: 'run', run, envFile: program.opts<{ envFile?: string }>().envFile };
}

/**
 * Runs the CLI on argv (without node and script) and resolves to the exit code. Never throws. `overrides`
 * replace parts of the process's Runtime (tests pass a fake clock, a loopback fetch, captured streams).
 */
export async function main(argv: readonly string[], overrides: Partial<Runtime> = {}): Promise<number> {
  exitSignal.value = undefined;
  const rt = createRuntime(overrides);
  const output = new Output(rt);
  output.addSecrets(keysOnCommandLine(argv));
  const parsed = await parseArguments(argv, rt, output);
  if (parsed.kind === 'exit') return parsed.code;
  return runCommand(parsed.run, { rt, output, envFile: parsed.envFile });
}

/** Entry point of bin/llm-auth (through dist/cli.cjs). */
export const run = (): Promise<void> => runProcess(main);

// `completion bash|zsh|fish`: a completion script for the shell. Commands and options come from the command
// line definitions themselves; surface names from `llm-auth completion --surfaces`, which reads the store's
// envelope names only (no value, no safety check, no VCS or network work).
import type { Command } from 'commander';
import { usageError } from '../../lib/errors.js';
import { repr } from '../../lib/python.js';
import { distinctNames, Store } from '../../store/index.js';
import type { Invocation } from '../context.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;

/** Commands whose first argument is a surface name. */
const TAKES_SURFACE = new Set(['status', 'test', 'login', 'renew', 'token', 'env', 'exec', 'logout']);

interface Spec {
  readonly commands: ReadonlyArray<{ name: string; options: string[] }>;
  readonly globals: string[];
}

function specOf(program: Command): Spec {
  const long = (cmd: Command): string[] => cmd.options.map((o) => o.long).filter((l): l is string => l !== undefined);
  return {
    commands: program.commands.map((c) => ({ name: c.name(), options: [...long(c), '--help'] })),
    globals: [...long(program), '--help'],
  };
}

function bash(spec: Spec): string {
  const cases = spec.commands.map((c) => `    ${c.name}) opts='${c.options.join(' ')}' ;;`).join('\n');
  const surfaceCommands = spec.commands
    .filter((c) => TAKES_SURFACE.has(c.name))
    .map((c) => c.name)
    .join('|');
  return `# llm-auth completion for bash: source <(llm-auth completion bash)
_llm_auth() {
  local cur=\${COMP_WORDS[COMP_CWORD]} i cmd='' envfile=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
      --env-file) envfile=(--env-file "\${COMP_WORDS[i+1]}"); ((i++)) ;;
      -*) ;;
      *) cmd=\${COMP_WORDS[i]}; break ;;
    esac
  done
  if [[ -z $cmd ]]; then
    COMPREPLY=($(compgen -W '${spec.commands.map((c) => c.name).join(' ')} ${spec.globals.join(' ')}' -- "$cur"))
    return
  fi
  local opts=''
  case $cmd in
${cases}
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ $cmd == @(${surfaceCommands}) ]]; then
    COMPREPLY=($(compgen -W "$(llm-auth "\${envfile[@]}" completion --surfaces 2>/dev/null)" -- "$cur"))
  fi
}
complete -F _llm_auth llm-auth
`;
}

function zsh(spec: Spec): string {
  // zsh runs the bash function through its bash-completion layer.
  return `# llm-auth completion for zsh: source <(llm-auth completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(spec)
  .split('\n')
  .slice(1)
  .join('\n')
  // Arrays count from 0 inside the function, as the bash code expects; zsh's alternation has no @.
  .replace('_llm_auth() {\n', '_llm_auth() {\n  setopt localoptions ksharrays\n')
  .replace('[[ $cmd == @(', '[[ $cmd == (')}`;
}

function fish(spec: Spec): string {
  const lines = ['# llm-auth completion for fish: llm-auth completion fish | source', 'complete -c llm-auth -f'];
  const names = spec.commands.map((c) => c.name).join(' ');
  lines.push(`complete -c llm-auth -n 'not __fish_seen_subcommand_from ${names}' -a '${names}'`);
  for (const g of spec.globals) lines.push(`complete -c llm-auth -n 'not __fish_seen_subcommand_from ${names}' -l ${g.slice(2)}`);
  for (const c of spec.commands) {
    for (const o of c.options) lines.push(`complete -c llm-auth -n '__fish_seen_subcommand_from ${c.name}' -l ${o.slice(2)}`);
    if (TAKES_SURFACE.has(c.name)) {
      lines.push(
        `complete -c llm-auth -n '__fish_seen_subcommand_from ${c.name}' -a '(llm-auth completion --surfaces 2>/dev/null)'`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export async function completionCommand(
  inv: Invocation,
  program: Command,
  shell: string | undefined,
  options: { surfaces?: boolean },
): Promise<number> {
  if (options.surfaces) {
    // Names only: the envelopes are parsed, no value is printed, and nothing but the file is read.
    const store = await Store.open(inv.rt, { envFile: inv.envFile, checks: 'none', warn: () => undefined }).catch(
      () => undefined,
    );
    for (const name of store ? distinctNames(store.surfaces) : []) inv.output.result(name);
    return 0;
  }
  if (shell === undefined || !(SHELLS as readonly string[]).includes(shell)) {
    throw usageError(`completion needs a shell: ${SHELLS.join(', ')}${shell === undefined ? '' : `, got ${repr(shell)}`}`);
  }
  const spec = specOf(program);
  inv.output.handOver(shell === 'bash' ? bash(spec) : shell === 'zsh' ? zsh(spec) : fish(spec));
  return 0;
}

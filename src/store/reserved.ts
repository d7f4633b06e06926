// Variable names a surface may not use (core.md §8.10): the store's own record, llm-auth's settings, and
// names that processes and shells depend on. `exec` and `env` hand surface variables to other programs, and a
// key stored as PATH or LD_PRELOAD would break them, or worse.

const PROCESS_NAMES = new Set([
  '_',
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'PWD',
  'OLDPWD',
  'TMPDIR',
  'TEMP',
  'TMP',
  'LANG',
  'LANGUAGE',
  'TERM',
  'TZ',
  'IFS',
  'PS1',
  'PS2',
  'PS4',
  'ENV',
  'CDPATH',
  'MAIL',
  'DISPLAY',
  'EDITOR',
  'VISUAL',
  'PAGER',
  'USERPROFILE',
  'APPDATA',
  'LOCALAPPDATA',
  'SYSTEMROOT',
  'COMSPEC',
  'PATHEXT',
  'WINDIR',
]);
const PROCESS_PREFIXES = ['LC_', 'LD_', 'DYLD_', 'NODE_', 'BASH_', 'GIT_', 'SSH_', 'XDG_'];

/** Why a surface may not use this variable name, or undefined when it may. */
export function reservedVariable(name: string): string | undefined {
  if (name === 'CHATGPT_AUTH_JSON') return 'it holds the managed ChatGPT record';
  // llm-auth's settings are LLM_AUTH_*; the names it gives gateway surfaces (gateway.md §2.2) are not settings.
  if (name.startsWith('LLM_AUTH_') && !/_(GATEWAY_KEY|PORTAL_SESSION)$/.test(name)) {
    return 'LLM_AUTH_* configures llm-auth itself';
  }
  if (PROCESS_NAMES.has(name) || PROCESS_PREFIXES.some((p) => name.startsWith(p))) {
    return 'programs and shells depend on it';
  }
  return undefined;
}

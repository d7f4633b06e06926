// What `login` shows a person at a terminal: a spinner on stderr (TTY only) and the browser (only when a
// person can see it). Both are decided from the process's own streams and environment.
import { childProcessModule } from '../lib/builtins.js';
import { onInterrupt } from '../lib/interrupt.js';
import type { Environment, OutputStream } from '../lib/runtime.js';

const FRAMES = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
const ERASE_LINE = '\r\x1b[2K';

export interface Spinner {
  start(): void;
  stop(): void;
}

export function createSpinner(stream: OutputStream): Spinner {
  let timer: NodeJS.Timeout | undefined;
  let unregister: (() => void) | undefined;
  let frame = 0;
  const stop = (): void => {
    if (!timer) return;
    clearInterval(timer);
    timer = undefined;
    unregister?.();
    stream.write(ERASE_LINE);
  };
  return {
    start() {
      if (!stream.isTTY || timer) return;
      const draw = (): void => {
        stream.write(`${ERASE_LINE}${[...FRAMES][frame++ % 10]} Waiting for sign-in (Ctrl-C to cancel)`);
      };
      draw();
      timer = setInterval(draw, 80);
      timer.unref();
      // Ctrl-C erases the line before `error: interrupted` is printed.
      unregister = onInterrupt(stop);
    },
    stop,
  };
}

export interface BrowserConditions {
  noBrowser: boolean;
  stdinIsTTY: boolean;
  stderrIsTTY: boolean;
  env: Environment;
  platform: NodeJS.Platform;
}

/** chatgpt-oauth.md §5 step 7: only for a person at an interactive, graphical, local terminal. */
export function shouldOpenBrowser(c: BrowserConditions): boolean {
  if (c.noBrowser || !c.stdinIsTTY || !c.stderrIsTTY) return false;
  const ci = c.env.CI;
  if (ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false') return false;
  if (['SSH_CONNECTION', 'SSH_CLIENT', 'SSH_TTY'].some((k) => c.env[k] !== undefined)) return false;
  if (c.platform !== 'darwin' && c.platform !== 'win32') return Boolean(c.env.DISPLAY) || Boolean(c.env.WAYLAND_DISPLAY);
  return true;
}

// What a desktop opener needs to find the session and the user's browser; nothing else (core.md §14.1).
const OPENER_VARIABLES = [
  'PATH',
  'HOME',
  'USERPROFILE',
  'SystemRoot',
  'DISPLAY',
  'WAYLAND_DISPLAY',
  'XDG_RUNTIME_DIR',
  'XDG_CONFIG_HOME',
  'XDG_DATA_DIRS',
  'XDG_CURRENT_DESKTOP',
  'XDG_SESSION_TYPE',
  'DBUS_SESSION_BUS_ADDRESS',
  'BROWSER',
  'LANG',
  'LC_ALL',
];

/**
 * Opens the URL in the default browser without waiting for it; every error is swallowed. Written here
 * rather than with the `open` package because that one hands the browser our whole environment, which may
 * hold API keys; this one passes an allow-list.
 */
export function openUrl(url: string, env: Environment, platform: NodeJS.Platform): void {
  const childEnv: Record<string, string> = {};
  for (const k of OPENER_VARIABLES) if (env[k] !== undefined) childEnv[k] = env[k]!;
  const [command, args] =
    platform === 'darwin'
      ? ['open', [url]]
      : platform === 'win32'
        ? ['rundll32', ['url.dll,FileProtocolHandler', url]]
        : ['xdg-open', [url]];
  try {
    const child = childProcessModule().spawn(command, args, {
      detached: true,
      stdio: 'ignore',
      env: childEnv,
      windowsHide: true,
    });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // no opener: the printed lines are the prompt
  }
}

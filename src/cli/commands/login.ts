// `login [surface]` (core.md §12.1, chatgpt-oauth.md §5).
import { usageError } from '../../lib/errors.js';
import { repr } from '../../lib/python.js';
import { DEFAULT_CHATGPT_SURFACE, distinctNames, isChatgptSurface, type Store, type Surface } from '../../store/index.js';
import { loginChatgpt } from '../../surfaces/chatgpt/login.js';
import type { GatewayConfig } from '../../surfaces/gateway/config.js';
import { loginGateway } from '../../surfaces/gateway/login.js';
import { preflight } from '../../surfaces/index.js';
import { openStoreFor, type Invocation } from '../context.js';
import { timeoutSeconds } from '../options.js';
import { readAll, readHidden } from '../prompt.js';
import { createSpinner, openUrl, shouldOpenBrowser } from '../terminal.js';

export interface LoginOptions {
  timeout?: string;
  /** commander's `--no-browser` */
  browser?: boolean;
  withToken?: boolean;
}

const loginCapable = (s: Surface): boolean => isChatgptSurface(s) || s.auth === 'gateway-key';

/** The surface `login` works on (core.md §12.1). */
export function loginSurface(store: Store, name: string | undefined): Surface {
  if (name === undefined) {
    const capable = store.surfaces.filter(loginCapable);
    if (capable.length === 0) return DEFAULT_CHATGPT_SURFACE;
    if (capable.length === 1) return capable[0]!;
    throw usageError(`multiple login-capable surfaces; choose one: ${distinctNames(capable).join(', ')}`);
  }
  const first = store.select(name, (n) => (n === 'chatgpt' ? DEFAULT_CHATGPT_SURFACE : undefined))[0]!;
  if (loginCapable(first)) return first;
  throw usageError(`surface ${repr(name)} does not support login`);
}

export async function loginCommand(inv: Invocation, name: string | undefined, options: LoginOptions): Promise<number> {
  const { seconds } = timeoutSeconds(options.timeout, '180');
  const { rt, output } = inv;
  const store = await openStoreFor(inv, 'always');
  const surface = loginSurface(store, name);
  const openBrowser = (url: string): void => {
    const allowed = shouldOpenBrowser({
      noBrowser: options.browser === false,
      stdinIsTTY: rt.stdin.isTTY === true,
      stderrIsTTY: rt.stderr.isTTY === true,
      env: rt.env,
      platform: rt.platform,
    });
    if (allowed) openUrl(url, rt.env, rt.platform);
  };
  if (surface.auth === 'gateway-key') {
    // A person at a terminal gets instructions and a hidden prompt; anyone else pipes the token (§7 step 1).
    const atTerminal = rt.stdin.isTTY === true && rt.stderr.isTTY === true;
    await loginGateway(
      store,
      surface,
      {
        withToken: options.withToken === true,
        readStdin: () => readAll(rt.stdin),
        prompt: atTerminal
          ? (config: GatewayConfig) => {
              for (const line of gatewayInstructions(config.portal)) output.immediate(line);
              openBrowser(config.portal);
              return readHidden(rt.stdin, rt.stderr, 'Paste the portal session token (input is hidden): ');
            }
          : undefined,
      },
      seconds,
    );
    output.result('ok');
    return 0;
  }
  if (options.withToken) throw usageError('--with-token applies only to gateway-key surfaces');
  preflight([surface], store, { writes: true });
  await loginChatgpt(store, { show: (line) => output.immediate(line), openBrowser, spinner: createSpinner(rt.stderr) }, seconds);
  output.result('ok');
  return 0;
}

/** What a person is told before the hidden prompt (gateway.md §7). */
export function gatewayInstructions(portal: string): string[] {
  return [
    'Sign in to the portal in your browser, then copy your session token:',
    `1) Visit ${portal}`,
    '2) Copy the value of the `token` cookie (browser developer tools > Application > Cookies)',
    'Session tokens give full access to your portal account. Never share them.',
  ];
}

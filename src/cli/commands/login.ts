// `login [surface]` (core.md §12.1, chatgpt-oauth.md §5).
import { LlmAuthError, usageError } from '../../lib/errors.js';
import { repr } from '../../lib/text.js';
import { DEFAULT_CHATGPT_SURFACE, distinctNames, isChatgptSurface, type Surface } from '../../store/envelope.js';
import type { LoadedStore } from '../../store/store.js';
import { loginChatgpt } from '../../surfaces/chatgpt/login.js';
import { parseRecord } from '../../surfaces/chatgpt/record.js';
import { openStoreForCommand, runSafetyChecks, storePath, warnIfShadowed, type CommandContext } from '../context.js';
import { createSpinner, openUrl, shouldOpenBrowser } from '../terminal.js';
import { unknownSurface } from '../../surfaces/status.js';
import { timeoutSeconds } from '../options.js';

export interface LoginOptions {
  timeout?: string;
  /** commander's `--no-browser` */
  browser?: boolean;
  withToken?: boolean;
}

const loginCapable = (s: Surface): boolean => isChatgptSurface(s) || s.auth === 'gateway-key';

/** The surface `login` works on (core.md §12.1). */
export function loginSurface(store: LoadedStore, name: string | undefined): Surface {
  if (name === undefined) {
    const capable = store.surfaces.filter(loginCapable);
    if (capable.length === 0) return DEFAULT_CHATGPT_SURFACE;
    if (capable.length === 1) return capable[0]!;
    throw usageError(`multiple login-capable surfaces; choose one: ${distinctNames(capable).join(', ')}`);
  }
  const first = store.surfaces.find((s) => s.name === name);
  if (first) {
    if (loginCapable(first)) return first;
    throw usageError(`surface ${repr(name)} does not support login`);
  }
  if (name === 'chatgpt') return DEFAULT_CHATGPT_SURFACE;
  throw unknownSurface(name, store.surfaces);
}

export async function loginCommand(ctx: CommandContext, name: string | undefined, options: LoginOptions): Promise<number> {
  const { seconds } = timeoutSeconds(options.timeout, '180');
  const p = storePath(ctx);
  await runSafetyChecks(ctx, p);
  const store = openStoreForCommand(ctx, p);
  const surface = loginSurface(store, name);
  if (surface.auth === 'gateway-key') {
    throw new LlmAuthError(`login for gateway-key surface ${repr(surface.name)} is not available in this version`);
  }
  if (options.withToken) throw usageError('--with-token applies only to gateway-key surfaces');
  parseRecord(store.value('CHATGPT_AUTH_JSON'));
  warnIfShadowed(ctx, store);
  const stdin = process.stdin as { isTTY?: boolean };
  const stderr = ctx.stderr as NodeJS.WritableStream & { isTTY?: boolean };
  await loginChatgpt(
    {
      store,
      path: p,
      now: ctx.now,
      sleep: ctx.sleep,
      fetch: ctx.fetch,
      warn: (m) => ctx.output.warn(m),
      show: (line) => ctx.output.immediate(line),
      openBrowser: (url) => {
        const allowed = shouldOpenBrowser({
          noBrowser: options.browser === false,
          stdinIsTTY: stdin.isTTY === true,
          stderrIsTTY: stderr.isTTY === true,
          env: ctx.env,
          platform: process.platform,
        });
        if (allowed) openUrl(url, ctx.env);
      },
      spinner: createSpinner(stderr),
    },
    seconds,
  );
  ctx.output.result('ok');
  return 0;
}

// HTTP with a deadline, no redirects and reasons that never carry the raw error (core.md §11.5,
// chatgpt-oauth.md §11.3). Callers pass `fetch` in, so tests can count what was sent.

export type Fetch = typeof globalThis.fetch;

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Bounds the whole exchange, body included. */
  timeoutMs: number;
  /** How the timeout is written in `request timed out after {label}s`. */
  timeoutLabel: string;
  fetch?: Fetch;
  /** Aborts the request from outside (Ctrl-C, an overall deadline). */
  signal?: AbortSignal;
}

export type HttpResult =
  { ok: true; status: number; headers: Headers; text: string } | { ok: false; reason: string; timedOut: boolean; sent: boolean };

/** `{code}: {host}` from a fetch failure: the Node error code of the cause, never its message. */
export function networkReason(err: unknown, url: string): string {
  let host: string;
  try {
    host = new URL(url).host;
  } catch {
    host = '';
  }
  const cause = (err as { cause?: unknown } | null)?.cause ?? err;
  const pick = (e: unknown): string | undefined => {
    const code = (e as { code?: unknown } | null)?.code;
    return typeof code === 'string' && code !== '' ? code : undefined;
  };
  // fetch refuses some ports outright (9, 25, 6000, ...: the Fetch standard's "bad ports"), with no code.
  if ((cause as { message?: unknown } | null)?.message === 'bad port') return `EBADPORT: ${host} (fetch refuses this port)`;
  let code = pick(cause);
  if (!code) {
    const inner = (cause as { errors?: unknown[] } | null)?.errors;
    if (Array.isArray(inner)) code = inner.map(pick).find((c) => c !== undefined);
  }
  return `${UNDICI_CODES[code ?? ''] ?? code ?? 'ENETWORK'}: ${host}`;
}

// fetch (undici) reports some socket failures with codes of its own; show the Node code people know.
const UNDICI_CODES: Record<string, string> = {
  UND_ERR_SOCKET: 'ECONNRESET',
  UND_ERR_CONNECT_TIMEOUT: 'ETIMEDOUT',
  UND_ERR_CLOSED: 'ECONNRESET',
};

// Codes meaning the connection was never made, so the server cannot have seen the request.
const NOT_SENT = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH']);

// eslint-disable-next-line no-control-regex -- control characters (TAB allowed) are what this looks for
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/** Headers that carry a credential: what is wrong is said of "the key", never shown. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'x-api-key', 'x-goog-api-key', 'api-key']);

/**
 * Why a header value cannot be sent, or undefined. fetch would reject it with a message quoting the value, or
 * an opaque network error; a key pasted with a line break or a typographic character deserves better.
 */
export function unsendableHeader(headers: Record<string, string>): string | undefined {
  for (const [name, value] of Object.entries(headers)) {
    const what = /[\r\n]/.test(value)
      ? 'a line break'
      : CONTROL.test(value)
        ? 'a control character'
        : /[^\t\x20-\x7e]/.test(value)
          ? 'a non-ASCII character'
          : undefined;
    if (what === undefined) continue;
    const subject = CREDENTIAL_HEADERS.has(name.toLowerCase()) ? 'the key' : `the ${name} header`;
    return `${subject} contains ${what}, which cannot be sent in an HTTP header`;
  }
  return undefined;
}

export async function httpRequest(req: HttpRequest): Promise<HttpResult> {
  const unsendable = unsendableHeader(req.headers);
  if (unsendable !== undefined) return { ok: false, reason: unsendable, timedOut: false, sent: false };
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, req.timeoutMs);
  const onOuterAbort = (): void => controller.abort();
  req.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const doFetch = req.fetch ?? globalThis.fetch;
  try {
    const response = await doFetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      redirect: 'manual',
      signal: controller.signal,
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    return { ok: true, status: response.status, headers: response.headers, text: new TextDecoder('utf-8').decode(bytes) };
  } catch (err) {
    if (timedOut) return { ok: false, reason: `request timed out after ${req.timeoutLabel}s`, timedOut: true, sent: true };
    const reason = networkReason(err, req.url);
    return { ok: false, reason, timedOut: false, sent: !NOT_SENT.has(reason.slice(0, reason.indexOf(':'))) };
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/** Parses JSON without ever showing the parser's message (it quotes the input). */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** A 2xx status. */
export const isSuccess = (status: number): boolean => status >= 200 && status <= 299;

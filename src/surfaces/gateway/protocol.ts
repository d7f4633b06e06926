// Talking to the portal and the gateway (gateway.md §4, §5): the requests, the `{msg}` of an answer, and what
// an answer means. Requests never follow redirects: a 3xx from the portal points at its sign-in page.
import { httpRequest, parseJson, unsendableHeader, type Fetch, type HttpResult } from '../../lib/http.js';
import { human } from '../../lib/python.js';
import { redactSecrets } from '../../lib/redact.js';
import { VERSION } from '../../version.js';
import type { GatewayConfig } from './config.js';
import { errorMessage, gatewayError } from './schemas.js';

export type Answer = Extract<HttpResult, { ok: true }>;

export interface Exchange {
  readonly fetch: Fetch;
  /** Per-request limit (30 s, or `test --timeout`), already capped by the command's deadline. */
  readonly timeoutMs: number;
  readonly timeoutLabel: string;
  /** Every secret the answers may echo: the key, a new key, the session token. */
  readonly secrets: () => string[];
  readonly signal?: AbortSignal;
}

const baseHeaders = (bearer: string): Record<string, string> => ({
  Authorization: `Bearer ${bearer}`,
  Accept: 'application/json',
  'User-Agent': `llm-auth/${VERSION}`,
});

export function portalUrl(config: GatewayConfig): string {
  return `${config.portal}${config.keyPath}`;
}

/** `GET` (check) or `POST` (mint, body `{}`) `{portal}{key_path}` with the session token. */
export function portalRequest(x: Exchange, config: GatewayConfig, method: 'GET' | 'POST', session: string): Promise<HttpResult> {
  const headers = baseHeaders(session);
  if (method === 'POST') headers['Content-Type'] = 'application/json';
  return httpRequest({
    method,
    url: portalUrl(config),
    headers,
    ...(method === 'POST' && { body: '{}' }),
    timeoutMs: x.timeoutMs,
    timeoutLabel: x.timeoutLabel,
    fetch: x.fetch,
    ...(x.signal && { signal: x.signal }),
  });
}

/** `GET {url}` at the gateway with the key. */
export function gatewayRequest(x: Exchange, url: string, key: string): Promise<HttpResult> {
  return httpRequest({
    method: 'GET',
    url,
    headers: baseHeaders(key),
    timeoutMs: x.timeoutMs,
    timeoutLabel: x.timeoutLabel,
    fetch: x.fetch,
    ...(x.signal && { signal: x.signal }),
  });
}

/** A `text/html` content type, or a body whose first non-blank character is `<`: never parsed as JSON. */
export function isHtml(answer: Answer): boolean {
  return (answer.headers.get('content-type') ?? '').toLowerCase().includes('text/html') || /^\s*</.test(answer.text);
}

/** The body as JSON, or undefined (HTML is never parsed). */
export function answerJson(answer: Answer): unknown {
  if (isHtml(answer)) return undefined;
  const parsed = parseJson(answer.text);
  return parsed.ok ? parsed.value : undefined;
}

/** §4: `error.message`, else a string `detail`, else the trimmed body; redacted, one line, at most 300 characters. */
export function answerMessage(answer: Answer, secrets: Iterable<string>): string {
  const text = isHtml(answer) ? 'an HTML page' : (errorMessage(answerJson(answer)) ?? answer.text.trim());
  const oneLine = redactSecrets(text, secrets).replace(/\s+/g, ' ').trim();
  const chars = Array.from(oneLine);
  return chars.length > 300 ? chars.slice(0, 300).join('') : oneLine;
}

export const hostOf = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

/** The code part of a network reason (`ECONNREFUSED: host` -> `ECONNREFUSED`), or the whole text. */
export function failureReason(result: Extract<HttpResult, { ok: false }>): string {
  const m = /^([A-Z][A-Z0-9_]*): /.exec(result.reason);
  return m ? m[1]! : result.reason;
}

export type ProbeOutcome =
  'valid' | 'unreachable' | 'unexpected' | 'over-budget' | 'expired' | 'invalid' | 'forbidden' | 'server-error';

export interface Probe {
  readonly outcome: ProbeOutcome;
  /** The detail of §5's table. */
  readonly detail: string;
}

/** Outcomes a new key can cure. */
export const renewalHelps = (p: Probe): boolean => p.outcome === 'expired' || p.outcome === 'invalid';

/** §5: `GET {api_base}{probe_path}` with the key, read by the table's rules, top to bottom. */
export async function probeKey(
  x: Exchange,
  config: GatewayConfig,
  key: string,
  expiresAt: number | undefined,
  nowS: number,
): Promise<Probe> {
  const url = `${config.apiBase}${config.probePath}`;
  const host = hostOf(url);
  const unsendable = unsendableHeader({ Authorization: `Bearer ${key}` });
  if (unsendable !== undefined)
    return { outcome: 'invalid', detail: `invalid: ${unsendable}; run \`llm-auth renew ${config.name}\`` };
  const result = await gatewayRequest(x, url, key);
  if (!result.ok) return { outcome: 'unreachable', detail: `unreachable: ${host}: ${failureReason(result)}` };
  const status = result.status;
  if ((status >= 300 && status <= 399) || isHtml(result)) {
    return { outcome: 'unexpected', detail: `unexpected: HTTP ${status} from ${host} is not an API response; check api_base` };
  }
  if (status === 200) {
    return { outcome: 'valid', detail: expiresAt === undefined ? 'valid' : `valid, expires in ${human(expiresAt - nowS)}` };
  }
  const msg = (): string => answerMessage(result, x.secrets());
  const { type, message } = gatewayError(answerJson(result));
  const cue = `${type}${message}`.toLowerCase();
  if (cue.includes('budget') && cue.includes('exceed')) {
    return { outcome: 'over-budget', detail: `over-budget: ${msg()}; renewing will not help` };
  }
  if (status === 429) return { outcome: 'valid', detail: 'valid (rate limited)' };
  if (status === 400 || status === 401) {
    if (type === 'expired_key' || message.includes('Expired Key')) {
      return {
        outcome: 'expired',
        detail: `expired: the gateway reports the key as expired (HTTP ${status}); run \`llm-auth renew ${config.name}\``,
      };
    }
    return {
      outcome: 'invalid',
      detail: `invalid: the gateway rejected the key (HTTP ${status}: ${msg()}); run \`llm-auth renew ${config.name}\``,
    };
  }
  if (status === 403)
    return { outcome: 'forbidden', detail: `forbidden: the key may not use ${config.probePath} (HTTP 403: ${msg()})` };
  if (status === 404)
    return { outcome: 'unexpected', detail: `unexpected: HTTP 404 from ${host}; check api_base and probe_path` };
  if (status >= 500 && status <= 599) return { outcome: 'server-error', detail: `server-error: HTTP ${status}: ${msg()}` };
  return { outcome: 'unexpected', detail: `unexpected: HTTP ${status}: ${msg()}` };
}

/** A portal answer meaning "sign in again": 401, a redirect (to the sign-in page), or an HTML page with 200. */
export function sessionRejected(answer: Answer): boolean {
  const s = answer.status;
  return s === 401 || (s >= 300 && s <= 399) || (s === 200 && isHtml(answer));
}

export const sessionRejectedText = (name: string, status: number): string =>
  `session-expired: the portal rejected the session token (HTTP ${status}); run \`llm-auth login ${name}\``;

export const sessionExpiredText = (name: string, agoSeconds: number): string =>
  `session-expired: the portal session expired ${human(agoSeconds)} ago; run \`llm-auth login ${name}\``;

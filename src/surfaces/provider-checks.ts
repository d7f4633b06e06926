// Live key checks for providers that are not OpenAI-compatible (core.md §11.7): Anthropic's and Gemini's model
// lists, each with its own key header. `api_base` replaces the default host (a proxy, a loopback fake).
import { httpRequest, isSuccess, parseJson, type HttpResult } from '../lib/http.js';
import { repr } from '../lib/python.js';
import { httpUrl, stripSlash } from '../lib/url.js';
import { clean, redactSecrets } from '../lib/redact.js';
import type { Store, Surface } from '../store/index.js';
import { VERSION } from '../version.js';
import { fail, pass, type SubtestResult, type TestOptions } from './driver.js';

export interface ProviderCheck {
  readonly subtest: string;
  readonly defaultBase: string;
  /** A trailing path segment an `api_base` may carry, dropped before the check's own path. */
  readonly versionSuffix: string;
  readonly path: string;
  readonly headers: (key: string) => Record<string, string>;
}

export const PROVIDER_CHECKS: Readonly<Record<string, ProviderCheck>> = {
  anthropic: {
    subtest: 'anthropic-api-key-auth',
    defaultBase: 'https://api.anthropic.com',
    versionSuffix: '/v1',
    path: '/v1/models',
    headers: (key) => ({ 'x-api-key': key, 'anthropic-version': '2023-06-01' }),
  },
  gemini: {
    subtest: 'gemini-api-key-auth',
    defaultBase: 'https://generativelanguage.googleapis.com',
    versionSuffix: '/v1beta',
    path: '/v1beta/models',
    headers: (key) => ({ 'x-goog-api-key': key }),
  },
};

/** The check of a surface's provider (`google` is Gemini's), or undefined. */
export function providerCheck(surface: Surface): ProviderCheck | undefined {
  const provider = surface.metadata.provider;
  if (provider === 'anthropic') return PROVIDER_CHECKS.anthropic;
  if (provider === 'gemini' || provider === 'google') return PROVIDER_CHECKS.gemini;
  return undefined;
}

function baseOf(surface: Surface, check: ProviderCheck): { base: string; usable: boolean } {
  let base = stripSlash(surface.metadata.api_base || check.defaultBase);
  if (base.endsWith(check.versionSuffix)) base = base.slice(0, -check.versionSuffix.length);
  return { base, usable: httpUrl(base) !== undefined };
}

function detailOf(result: HttpResult, key: string): string | undefined {
  if (!result.ok) return redactSecrets(result.reason, [key]);
  if (!isSuccess(result.status)) return `HTTP ${result.status}: ${clean(result.text, [key])}`;
  return parseJson(result.text).ok ? undefined : 'invalid JSON in response';
}

/** `GET {base}{path}` with the provider's key header: a 2xx JSON body passes. */
export async function runProviderCheck(
  check: ProviderCheck,
  surface: Surface,
  store: Store,
  options: TestOptions,
  key: string,
): Promise<SubtestResult> {
  const { base, usable } = baseOf(surface, check);
  if (!usable) return fail(check.subtest, redactSecrets(`invalid api_base URL ${repr(surface.metadata.api_base)}`, [key]));
  const result = await httpRequest({
    method: 'GET',
    url: `${base}${check.path}`,
    headers: { ...check.headers(key), Accept: 'application/json', 'User-Agent': `llm-auth/${VERSION}` },
    timeoutMs: options.timeoutMs,
    timeoutLabel: options.timeoutLabel,
    fetch: store.rt.fetch,
  });
  const detail = detailOf(result, key);
  return detail === undefined ? pass(check.subtest) : fail(check.subtest, detail);
}

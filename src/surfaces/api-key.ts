// The api-key driver: a key in the surface's primary variable, checked live against an OpenAI-compatible API
// (core.md §11.4, §11.5).
import { httpRequest, isSuccess, parseJson, type HttpResult } from '../lib/http.js';
import { pyJsonString, pyTrim, repr } from '../lib/python.js';
import { clean, redactSecrets } from '../lib/redact.js';
import { schema } from '../lib/schema.js';
import { httpUrl, stripSlash } from '../lib/url.js';
import type { Store, Surface } from '../store/index.js';
import { VERSION } from '../version.js';
import { providerCheck, runProviderCheck } from './provider-checks.js';
import { answerText } from './responses.js';
import {
  fail,
  withRequests,
  NO_RENEW_HANDLER,
  pass,
  type ApiKeyStatus,
  type SubtestResult,
  type SurfaceView,
  type TestOptions,
} from './driver.js';

export const DEFAULT_API_BASE = 'https://api.openai.com/v1';

// The answers of an OpenAI-compatible API (core.md §11.4); loose, and a wrongly typed field reads as missing.
const ModelAnswer = schema((z) => z.looseObject({ id: z.optional(z.unknown()) }));

function keyOf(surface: Surface, store: Store): string | undefined {
  if (surface.primaryEnv === undefined) return undefined;
  const key = pyTrim(store.value(surface.primaryEnv) ?? '');
  return key === '' ? undefined : key;
}

/** Percent-encodes UTF-8, leaving only A-Z a-z 0-9 _ . - ~ (`a/b` -> `a%2Fb`). */
export function encodeModel(model: string): string {
  return encodeURIComponent(model).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `api_base` minus one trailing `/`, or undefined when it is not a usable http(s) URL. */
export function apiBaseOf(surface: Surface): { base: string; usable: boolean } {
  const raw = surface.metadata.api_base ?? DEFAULT_API_BASE;
  const base = stripSlash(raw);
  return { base, usable: httpUrl(base) !== undefined };
}

/** The exact body of core.md §11.4: Python's json.dumps spacing and key order. */
export function responsesBody(model: string): string {
  return `{"model": ${pyJsonString(model)}, "input": "Respond with exactly: 1", "max_output_tokens": 128, "store": false}`;
}

/** `output_text` when a string, else every string `text` in `output[].content[]`, trimmed. */
export function responseText(body: unknown): string {
  return pyTrim(answerText(body));
}

/** The live subtests run for provider `openai`: the auth check always, the two model checks with a model. */
const liveSubtestNames = (model: string | undefined): string[] => [
  'openai-api-key-auth',
  ...(model ? ['openai-model-access', 'openai-response'] : []),
];

type Checked = { ok: true; body: unknown } | { ok: false; detail: string };

/** A 2xx JSON body, or the detail of core.md §11.5, redacted with the key. */
function checkJson(result: HttpResult, key: string): Checked {
  if (!result.ok) return { ok: false, detail: redactSecrets(result.reason, [key]) };
  if (!isSuccess(result.status)) {
    return { ok: false, detail: `HTTP ${result.status}: ${clean(result.text, [key])}` };
  }
  const parsed = parseJson(result.text);
  return parsed.ok ? { ok: true, body: parsed.value } : { ok: false, detail: 'invalid JSON in response' };
}

async function liveSubtests(surface: Surface, store: Store, options: TestOptions, key: string): Promise<SubtestResult[]> {
  const model = options.model;
  const { base, usable } = apiBaseOf(surface);
  if (!usable) return liveSubtestNames(model).map((n) => fail(n, redactSecrets(`invalid api_base URL ${repr(base)}`, [key])));
  const headers = { Authorization: `Bearer ${key}`, Accept: 'application/json', 'User-Agent': `llm-auth/${VERSION}` };
  const send = (method: 'GET' | 'POST', path: string, body?: string) =>
    httpRequest({
      method,
      url: `${base}${path}`,
      headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
      body,
      timeoutMs: options.timeoutMs,
      timeoutLabel: options.timeoutLabel,
      fetch: store.rt.fetch,
    });

  const results: SubtestResult[] = [];
  const auth = checkJson(await send('GET', '/models'), key);
  results.push(auth.ok ? pass('openai-api-key-auth') : fail('openai-api-key-auth', auth.detail));
  if (!model) return results;

  const access = checkJson(await send('GET', `/models/${encodeModel(model)}`), key);
  if (!access.ok) results.push(fail('openai-model-access', access.detail));
  else {
    const id = ModelAnswer.parse(access.body)?.id;
    results.push(
      id === model
        ? pass('openai-model-access', `model=${model}`)
        : fail('openai-model-access', redactSecrets(`expected model ${repr(model)}, got ${repr(id)}`, [key])),
    );
  }

  const response = checkJson(await send('POST', '/responses', responsesBody(model)), key);
  if (!response.ok) results.push(fail('openai-response', response.detail));
  else {
    const text = responseText(response.body);
    results.push(
      text === '1'
        ? pass('openai-response', `model=${model}`)
        : fail('openai-response', redactSecrets(`expected \`1\`, got ${repr(text)}`, [key])),
    );
  }
  return results;
}

export const apiKeyView: SurfaceView<ApiKeyStatus> = {
  status(surface, store) {
    return {
      api_key: keyOf(surface, store) !== undefined,
      auth: surface.auth,
      env: surface.primaryEnv ?? null,
      provider: surface.metadata.provider ?? null,
    };
  },
  secrets(surface, store) {
    const key = keyOf(surface, store);
    return key === undefined ? [] : [key];
  },
};

export const apiKeyDriver = /* @__PURE__ */ withRequests<ApiKeyStatus>(apiKeyView, {
  preflight() {},
  async test(surface, store, options) {
    // Anthropic and Gemini have checks of their own; OpenAI, and any provider with an api_base, the
    // OpenAI-compatible ones (core.md §11.7); any other provider the presence check alone.
    const check = providerCheck(surface);
    const openaiCompatible =
      check === undefined && (surface.metadata.provider === 'openai' || Boolean(surface.metadata.api_base));
    const key = keyOf(surface, store);
    let missing: string | undefined;
    if (surface.primaryEnv === undefined) missing = 'metadata is missing env=<ENV_VAR>';
    else if (key === undefined) missing = `${surface.primaryEnv} is missing`;
    const results = [missing === undefined ? pass('api-key') : fail('api-key', missing)];
    if (!check && !openaiCompatible) return results;
    const names = check ? [check.subtest] : liveSubtestNames(options.model);
    if (missing !== undefined || key === undefined) {
      // Nothing is sent without a key: the live subtests fail with the same message.
      return [...results, ...names.map((n) => fail(n, missing!))];
    }
    if (check) return [...results, await runProviderCheck(check, surface, store, options, key)];
    return [...results, ...(await liveSubtests(surface, store, options, key))];
  },
  // API keys are rotated by editing their variable.
  renew() {
    return Promise.resolve(NO_RENEW_HANDLER);
  },
});

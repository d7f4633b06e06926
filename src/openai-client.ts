// `createOpenAIClient` (commands.md §8.3): an `openai` SDK client whose key stays fresh. The SDK calls our
// `apiKey` function before every request; our `fetch` wrapper renews once when the gateway rejects the key
// (or refreshes once after a ChatGPT 401) and sends the request again once. `openai` loads only here.
import type { ClientOptions, OpenAI } from 'openai';
import { credentialsOf, type CredentialsRequest } from './credentials.js';
import { LlmAuthError } from './lib/errors.js';
import { parseJson } from './lib/http.js';
import type { Store as StoreFront } from './store/index.js';
import { refreshRecord } from './surfaces/chatgpt/refresh.js';
import { fieldsOf } from './surfaces/chatgpt/record.js';
import { DEFAULT_API_BASE } from './surfaces/api-key.js';
import { gatewayError } from './surfaces/gateway/schemas.js';
import { renewGatewayKey } from './surfaces/gateway/renew.js';

type Fetch = typeof globalThis.fetch;

async function loadOpenAI(): Promise<typeof OpenAI> {
  try {
    const mod = (await import('openai')) as { OpenAI: typeof OpenAI };
    return mod.OpenAI;
  } catch {
    throw new LlmAuthError('createOpenAIClient needs the openai package (npm install openai@6)', { kind: 'usage' });
  }
}

/** A body fetch can send twice (a stream cannot be replayed). */
const replayable = (body: unknown): boolean =>
  body === undefined ||
  body === null ||
  typeof body === 'string' ||
  body instanceof Uint8Array ||
  body instanceof ArrayBuffer ||
  body instanceof URLSearchParams ||
  body instanceof Blob;

function withHeaders(init: RequestInit | undefined, set: Record<string, string>): RequestInit {
  const headers = new Headers(init?.headers);
  for (const [k, v] of Object.entries(set)) headers.set(k, v);
  return { ...init, headers };
}

const bearerOf = (init: RequestInit | undefined): string | undefined =>
  new Headers(init?.headers).get('authorization')?.replace(/^Bearer /, '');

/** gateway.md §5: a 400 or 401 that is not about the budget means the key is expired or invalid. */
async function rejectsKey(response: Response): Promise<boolean> {
  if (response.status !== 400 && response.status !== 401) return false;
  const parsed = parseJson(await response.clone().text());
  const { type, message } = gatewayError(parsed.ok ? parsed.value : undefined);
  const cue = `${type}${message}`.toLowerCase();
  return !(cue.includes('budget') && cue.includes('exceed'));
}

function gatewayFetch(front: StoreFront, name: string, base: Fetch): Fetch {
  return async (input, init) => {
    const response = await base(input, init);
    if (!(await rejectsKey(response))) return response;
    const surface = front.select(name).find((s) => s.auth === 'gateway-key');
    if (!surface || !replayable(init?.body)) return response;
    // One renewal across this process and, through the store lock, all others; a peer's new key is adopted.
    const renewed = await renewGatewayKey(front, surface, { force: false, skipProbe: true });
    if (!renewed.pass || renewed.key === bearerOf(init)) return response;
    return base(input, withHeaders(init, { Authorization: `Bearer ${renewed.key}` }));
  };
}

function chatgptFetch(
  front: StoreFront,
  headers: Readonly<Record<string, string>>,
  base: Fetch,
  minTtlSeconds: number | undefined,
): Fetch {
  // The backend serves only streamed Responses, and says so to clients that do not ask for a stream.
  const extra: Record<string, string> = { originator: headers.originator!, Accept: 'text/event-stream' };
  if (headers['ChatGPT-Account-Id']) extra['ChatGPT-Account-Id'] = headers['ChatGPT-Account-Id'];
  return async (input, init) => {
    const first = withHeaders(init, extra);
    const response = await base(input, first);
    if (response.status !== 401 || !replayable(init?.body)) return response;
    const rejected = bearerOf(first);
    const outcome = await refreshRecord(front, 'after-401', {
      ...(rejected !== undefined && { rejectedAccessToken: rejected }),
      ...(minTtlSeconds !== undefined && { minTtlSeconds }),
    });
    const token = outcome.ok ? fieldsOf(outcome.record).access_token : undefined;
    if (!token || token === rejected) return response;
    return base(input, withHeaders(first, { Authorization: `Bearer ${token}` }));
  };
}

/** The client for one surface of an open store front. */
export async function openAIClientOf(
  front: StoreFront,
  name: string,
  request: CredentialsRequest,
  clientOptions: ClientOptions = {},
): Promise<OpenAI> {
  // Fails now, before the SDK loads, when the surface cannot give a credential (login required, no key).
  const first = await credentialsOf(front, name, request);
  const OpenAIClass = await loadOpenAI();
  const base: Fetch = clientOptions.fetch ?? globalThis.fetch;
  const sameMode = { ...request, auth: first.auth };
  // Called by the SDK before every request: the key by the freshness rules, without a probe.
  const freshKey = async (): Promise<string> => {
    const fresh = await credentialsOf(front, name, sameMode);
    return fresh.auth === 'subscription-oauth' ? fresh.accessToken : fresh.apiKey;
  };
  switch (first.auth) {
    case 'api-key': {
      if (first.baseURL === null && first.provider !== null && first.provider !== 'openai') {
        throw new LlmAuthError(`surface '${name}' (provider ${first.provider}) has no api_base`, { kind: 'usage' });
      }
      return new OpenAIClass({ ...clientOptions, apiKey: first.apiKey, baseURL: first.baseURL ?? DEFAULT_API_BASE });
    }
    case 'gateway-key':
      return new OpenAIClass({
        ...clientOptions,
        apiKey: freshKey,
        baseURL: first.baseURL,
        fetch: gatewayFetch(front, name, base),
      });
    case 'subscription-oauth':
      return new OpenAIClass({
        ...clientOptions,
        apiKey: freshKey,
        baseURL: first.baseURL,
        fetch: chatgptFetch(front, first.headers, base, request.minTtlSeconds),
      });
  }
}

// The live completion subtest (chatgpt-oauth.md §10): one streamed Responses call to the ChatGPT backend.
import { cryptoModule, osModule } from '../../lib/builtins.js';
import { httpRequest, isSuccess, parseJson, type HttpResult } from '../../lib/http.js';
import { clean, HTML_CHALLENGE, looksLikeHtmlChallenge, rawError, redactSecrets } from '../../lib/redact.js';
import type { Store } from '../../store/index.js';
import { pyTrim, repr } from '../../lib/python.js';
import { VERSION } from '../../version.js';
import { fail, pass, type SubtestResult, type TestOptions } from '../driver.js';
import { DEFAULT_CHATGPT_MODEL, endpoints, ORIGINATOR } from './config.js';
import { accountId, fieldsOf, isExpiredForUse, parseRecord, recordSecrets, type AuthRecord } from './record.js';
import { refreshRecord } from './refresh.js';
import { readJsonAnswer, readSse } from './sse.js';

const NAME = 'subscription-oauth.completion';

/** The model chain's end for ChatGPT: LITELLM_CHATGPT_MODEL, then the default; `chatgpt/` and `responses/` dropped. */
export function chatgptModel(chosen: string | undefined, litellmModel: string | undefined): string {
  let model = chosen || litellmModel || DEFAULT_CHATGPT_MODEL;
  if (model.startsWith('chatgpt/')) model = model.slice('chatgpt/'.length);
  if (model.startsWith('responses/')) model = model.slice('responses/'.length);
  return model;
}

export function completionBody(model: string): string {
  return JSON.stringify({
    model,
    instructions: 'You are a helpful assistant.',
    input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Respond with exactly: 1' }] }],
    stream: true,
    store: false,
    include: ['reasoning.encrypted_content'],
  });
}

export function backendUserAgent(arch: string): string {
  const os = osModule();
  return `codex_cli_rs/${VERSION} (${os.type()} ${os.release()}; ${arch}) llm-auth`;
}

function isChallenge(result: Extract<HttpResult, { ok: true }>): boolean {
  const type = result.headers.get('content-type') ?? '';
  return (
    type.toLowerCase().includes('text/html') ||
    (result.headers.get('cf-mitigated') ?? '').toLowerCase() === 'challenge' ||
    looksLikeHtmlChallenge(result.text)
  );
}

/** A usable access token: the stored one, or a refreshed one when it is missing or expired. */
type Usable = { ok: true; record: AuthRecord; access: string; refreshed: boolean } | { ok: false; detail: string };

async function usableToken(store: Store): Promise<Usable> {
  const record = parseRecord(store.value('CHATGPT_AUTH_JSON'));
  const { access_token, refresh_token } = fieldsOf(record);
  if (!access_token && !refresh_token) return { ok: false, detail: 'run `llm-auth login`' };
  if (access_token && !isExpiredForUse(record, store.rt.now()))
    return { ok: true, record, access: access_token, refreshed: false };
  const outcome = await refreshRecord(store, 'login');
  return outcome.ok
    ? { ok: true, record: outcome.record, access: fieldsOf(outcome.record).access_token ?? '', refreshed: true }
    : outcome;
}

/** One POST of the completion body with the token (and account) given; a fresh session id each time. */
function sendCompletion(store: Store, options: TestOptions, model: string, access: string, account: string | null) {
  const headers: Record<string, string> = {
    Authorization: `Bearer ${access}`,
    'Content-Type': 'application/json',
    Accept: 'text/event-stream',
    originator: ORIGINATOR,
    'User-Agent': backendUserAgent(store.rt.arch),
    session_id: cryptoModule().randomUUID(),
  };
  if (account) headers['ChatGPT-Account-Id'] = account;
  return httpRequest({
    method: 'POST',
    url: `${endpoints(store).backend}/responses`,
    headers,
    body: completionBody(model),
    timeoutMs: options.timeoutMs,
    timeoutLabel: options.timeoutLabel,
    fetch: store.rt.fetch,
  });
}

/** The subtest's result from the backend's answer: an error, or the answer's text compared with `1`. */
function judgeAnswer(result: HttpResult, options: TestOptions, model: string, secrets: () => string[]): SubtestResult {
  if (!result.ok) return fail(NAME, redactSecrets(result.reason, secrets()));
  const shown = (text: string): string => (options.showRawError ? rawError(text, secrets()) : clean(text, secrets()));
  if (isChallenge(result)) return fail(NAME, options.showRawError ? rawError(result.text, secrets()) : HTML_CHALLENGE);
  if (!isSuccess(result.status)) return fail(NAME, `HTTP ${result.status}: ${shown(result.text)}`);

  // The format is decided from the body: the Content-Type may be missing.
  let text: string;
  if (result.text.trimStart().startsWith('{')) {
    const parsed = parseJson(result.text);
    if (!parsed.ok) return fail(NAME, 'invalid JSON in response');
    text = readJsonAnswer(parsed.value);
  } else {
    const reading = readSse(result.text);
    if (options.verbose) for (const type of reading.events) options.trace(redactSecrets(type, secrets()));
    if (!reading.ok) return fail(NAME, clean(reading.error, secrets()));
    text = reading.text;
  }
  const trimmed = pyTrim(text);
  return trimmed === '1'
    ? pass(NAME, `model=${model}`)
    : fail(NAME, redactSecrets(`expected \`1\`, got ${repr(trimmed)}`, secrets()));
}

export async function completionSubtest(store: Store, options: TestOptions): Promise<SubtestResult> {
  const usable = await usableToken(store);
  if (!usable.ok) return fail(NAME, usable.detail);
  let { record } = usable;
  const secrets = (): string[] => [
    ...new Set([...recordSecrets(record), ...recordSecrets(parseRecord(store.value('CHATGPT_AUTH_JSON')))]),
  ];
  const model = chatgptModel(options.model, store.value('LITELLM_CHATGPT_MODEL'));
  let result = await sendCompletion(store, options, model, usable.access, accountId(record));
  if (result.ok && result.status === 401 && !usable.refreshed) {
    // One retry after a refresh: the backend may have revoked a token that still looked valid.
    const outcome = await refreshRecord(store, 'after-401', { rejectedAccessToken: usable.access });
    if (!outcome.ok) return fail(NAME, outcome.detail);
    record = outcome.record;
    result = await sendCompletion(store, options, model, fieldsOf(record).access_token ?? '', accountId(record));
  }
  return judgeAnswer(result, options, model, secrets);
}

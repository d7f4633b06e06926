// The live completion subtest (chatgpt-oauth.md §10): one streamed Responses call to the ChatGPT backend.
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import { httpRequest, isSuccess, parseJson, stringField, type HttpResult } from '../../lib/http.js';
import { clean, HTML_CHALLENGE, looksLikeHtmlChallenge, rawError, redact } from '../../lib/redact.js';
import { pyTrim, repr } from '../../lib/text.js';
import { VERSION } from '../../version.js';
import { fail, pass, type DriverContext, type SubtestResult, type TestOptions } from '../types.js';
import { DEFAULT_CHATGPT_MODEL, endpoints, ORIGINATOR } from './config.js';
import { accountId, isExpiredForUse, parseRecord, recordSecrets, type AuthRecord } from './record.js';
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

export function backendUserAgent(): string {
  return `codex_cli_rs/${VERSION} (${os.type()} ${os.release()}; ${process.arch}) llm-auth`;
}

function isChallenge(result: Extract<HttpResult, { ok: true }>): boolean {
  const type = result.headers.get('content-type') ?? '';
  return type.toLowerCase().includes('text/html') || (result.headers.get('cf-mitigated') ?? '').toLowerCase() === 'challenge' || looksLikeHtmlChallenge(result.text);
}

export async function completionSubtest(ctx: DriverContext, options: TestOptions): Promise<SubtestResult> {
  let record: AuthRecord = parseRecord(ctx.store.value('CHATGPT_AUTH_JSON'));
  const secrets = (): string[] => [...new Set([...recordSecrets(record), ...recordSecrets(parseRecord(ctx.store.value('CHATGPT_AUTH_JSON')))])];
  if (!stringField(record, 'access_token') && !stringField(record, 'refresh_token')) return fail(NAME, 'run `llm-auth login`');
  let refreshed = false;
  if (!stringField(record, 'access_token') || isExpiredForUse(record, ctx.now())) {
    const outcome = await refreshRecord(ctx, 'login');
    if (!outcome.ok) return fail(NAME, outcome.detail);
    record = outcome.record;
    refreshed = true;
  }
  const model = chatgptModel(options.model, ctx.store.value('LITELLM_CHATGPT_MODEL'));
  const url = `${endpoints(ctx.store).backend}/responses`;
  const send = (access: string, account: string | null) => {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${access}`,
      'Content-Type': 'application/json',
      Accept: 'text/event-stream',
      originator: ORIGINATOR,
      'User-Agent': backendUserAgent(),
      session_id: randomUUID(),
    };
    if (account) headers['ChatGPT-Account-Id'] = account;
    return httpRequest({ method: 'POST', url, headers, body: completionBody(model), timeoutMs: options.timeoutMs, timeoutLabel: options.timeoutLabel, fetch: ctx.fetch });
  };

  let result = await send(record.access_token as string, accountId(record));
  if (result.ok && result.status === 401 && !refreshed) {
    // One retry after a refresh: the backend may have revoked a token that still looked valid.
    const outcome = await refreshRecord(ctx, 'after-401', { rejectedAccessToken: record.access_token as string });
    if (!outcome.ok) return fail(NAME, outcome.detail);
    record = outcome.record;
    result = await send(record.access_token as string, accountId(record));
  }
  if (!result.ok) return fail(NAME, redact(result.reason, secrets()));
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
    if (options.verbose) for (const type of reading.events) options.trace(type);
    if (!reading.ok) return fail(NAME, clean(reading.error, secrets()));
    text = reading.text;
  }
  const trimmed = pyTrim(text);
  return trimmed === '1' ? pass(NAME, `model=${model}`) : fail(NAME, redact(`expected \`1\`, got ${repr(trimmed)}`, secrets()));
}

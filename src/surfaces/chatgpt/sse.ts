// Reading the backend's answer (chatgpt-oauth.md §10 step 5). Pure: the whole body in, the text out.
import { isObject, parseJson } from '../../lib/http.js';

export interface BackendEvent {
  type: string;
  data: Record<string, unknown>;
}

export type BackendReading = { ok: true; text: string; events: string[] } | { ok: false; error: string; events: string[] };

/** Splits an SSE body into events: blank lines (LF or CRLF) separate them, `data:` lines are joined. */
export function parseSse(body: string): BackendEvent[] {
  const events: BackendEvent[] = [];
  for (const block of body.split(/\r?\n\r?\n/)) {
    let name: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) name = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    const payload = data.join('\n');
    if (data.length === 0 || payload.trim() === '[DONE]') continue;
    const parsed = parseJson(payload);
    if (!parsed.ok || !isObject(parsed.value)) continue;
    const type = typeof parsed.value.type === 'string' ? parsed.value.type : name;
    if (type) events.push({ type, data: parsed.value });
  }
  return events;
}

function contentTexts(output: unknown, partType?: string): string[] {
  const texts: string[] = [];
  if (!Array.isArray(output)) return texts;
  for (const item of output) {
    if (!isObject(item) || !Array.isArray(item.content)) continue;
    for (const part of item.content) {
      if (isObject(part) && typeof part.text === 'string' && (partType === undefined || part.type === partType))
        texts.push(part.text);
    }
  }
  return texts;
}

function errorMessage(event: BackendEvent): string {
  const d = event.data;
  if (isObject(d.error) && typeof d.error.message === 'string') return d.error.message;
  if (isObject(d.response) && isObject(d.response.error) && typeof d.response.error.message === 'string')
    return d.response.error.message;
  return event.type;
}

/** The text of a streamed answer, by the preference order of the specification. */
export function readSse(body: string): BackendReading {
  const events = parseSse(body);
  const types = events.map((e) => e.type);
  const failed = events.find((e) => e.type === 'response.failed' || e.type === 'error');
  if (failed) return { ok: false, error: errorMessage(failed), events: types };
  const done = events.find((e) => e.type === 'response.completed' || e.type === 'response.done');
  if (!done) return { ok: false, error: 'backend stream ended before response.completed', events: types };
  const deltas = events.filter((e) => e.type === 'response.output_text.delta' && typeof e.data.delta === 'string');
  if (deltas.length > 0) return { ok: true, text: deltas.map((e) => e.data.delta as string).join(''), events: types };
  const textDone = events.filter((e) => e.type === 'response.output_text.done' && typeof e.data.text === 'string').at(-1);
  if (textDone) return { ok: true, text: textDone.data.text as string, events: types };
  const items = events
    .filter((e) => e.type === 'response.output_item.done' && isObject(e.data.item) && e.data.item.type === 'message')
    .flatMap((e) => contentTexts([e.data.item], 'output_text'));
  if (items.length > 0) return { ok: true, text: items.join(''), events: types };
  // An empty `output` in response.completed is normal: the text came (or did not) in the events above.
  const response = done.data.response;
  return { ok: true, text: contentTexts(isObject(response) ? response.output : undefined).join(''), events: types };
}

/** A JSON (non-streamed) answer: `output_text`, else every `output[].content[].text`. */
export function readJsonAnswer(body: unknown): string {
  if (!isObject(body)) return '';
  if (typeof body.output_text === 'string') return body.output_text;
  return contentTexts(body.output).join('');
}

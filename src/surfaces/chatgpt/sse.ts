// Reading the backend's answer (chatgpt-oauth.md §10 step 5). Pure: the whole body in, the text out.
import { parseJson } from '../../lib/http.js';
import { optionalString, schema, type Parsed } from '../../lib/schema.js';
import { answerText, contentTexts, OutputItem, outputItems } from '../responses.js';

// The backend's events and answers are loose, and a wrongly typed field reads as missing.
/** One event's JSON: its `type`, and the fields the text or the error is read from. */
const EventData = schema((z) =>
  z.looseObject({
    type: optionalString(z),
    delta: optionalString(z),
    text: optionalString(z),
    item: z.optional(z.unknown()),
    response: z.optional(z.unknown()),
    error: z.optional(z.unknown()),
  }),
);
const WithError = schema((z) => z.looseObject({ error: z.optional(z.unknown()) }));
const ErrorMessage = schema((z) => z.looseObject({ message: z.string() }));

export interface BackendEvent {
  type: string;
  data: Parsed<typeof EventData>;
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
    const event = parsed.ok ? EventData.parse(parsed.value) : undefined;
    if (!event) continue;
    const type = event.type ?? name;
    if (type) events.push({ type, data: event });
  }
  return events;
}

/** `error.message`, else `response.error.message`, else the event type. */
function errorMessage(event: BackendEvent): string {
  const direct = ErrorMessage.parse(event.data.error);
  if (direct) return direct.message;
  return ErrorMessage.parse(WithError.parse(event.data.response)?.error)?.message ?? event.type;
}

/** The text of a streamed answer, by the preference order of the specification. */
export function readSse(body: string): BackendReading {
  const events = parseSse(body);
  const types = events.map((e) => e.type);
  const failed = events.find((e) => e.type === 'response.failed' || e.type === 'error');
  if (failed) return { ok: false, error: errorMessage(failed), events: types };
  const done = events.find((e) => e.type === 'response.completed' || e.type === 'response.done');
  if (!done) return { ok: false, error: 'backend stream ended before response.completed', events: types };
  const deltas = events.flatMap((e) =>
    e.type === 'response.output_text.delta' && e.data.delta !== undefined ? [e.data.delta] : [],
  );
  if (deltas.length > 0) return { ok: true, text: deltas.join(''), events: types };
  const textDone = events.filter((e) => e.type === 'response.output_text.done' && e.data.text !== undefined).at(-1);
  if (textDone?.data.text !== undefined) return { ok: true, text: textDone.data.text, events: types };
  const items = events
    .filter((e) => e.type === 'response.output_item.done' && OutputItem.parse(e.data.item)?.type === 'message')
    .flatMap((e) => contentTexts([e.data.item], 'output_text'));
  if (items.length > 0) return { ok: true, text: items.join(''), events: types };
  // An empty `output` in response.completed is normal: the text came (or did not) in the events above.
  return { ok: true, text: contentTexts(outputItems(done.data.response)).join(''), events: types };
}

/** A JSON (non-streamed) answer: `output_text`, else every `output[].content[].text`. */
export const readJsonAnswer = answerText;

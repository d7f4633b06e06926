// The answer of OpenAI's Responses API, shared by the api-key check (`/responses`) and the ChatGPT backend:
// `output_text`, else the `text` of every `output[].content[]` part. Loose: a wrongly typed field is missing.
import { optionalString, schema } from '../lib/schema.js';

const Answer = schema((z) =>
  z.looseObject({ output_text: optionalString(z), output: z.catch(z.optional(z.array(z.unknown())), undefined) }),
);
export const OutputItem = schema((z) => z.looseObject({ type: z.optional(z.unknown()), content: z.array(z.unknown()) }));
const Part = schema((z) => z.looseObject({ type: z.optional(z.unknown()), text: z.string() }));

/** The `text` of every part of every item's `content` (only parts of `partType` when given). */
export function contentTexts(items: readonly unknown[] | undefined, partType?: string): string[] {
  const texts: string[] = [];
  for (const item of items ?? []) {
    for (const raw of OutputItem.parse(item)?.content ?? []) {
      const part = Part.parse(raw);
      if (part && (partType === undefined || part.type === partType)) texts.push(part.text);
    }
  }
  return texts;
}

/** The `output` items of an answer (or of a `response.completed` event's `response`). */
export const outputItems = (value: unknown): unknown[] | undefined => Answer.parse(value)?.output;

/** A whole (non-streamed) answer's text, untrimmed: `output_text`, else every `output[].content[].text`. */
export function answerText(body: unknown): string {
  const answer = Answer.parse(body);
  if (!answer) return '';
  if (answer.output_text !== undefined) return answer.output_text;
  return contentTexts(answer.output).join('');
}

// The part of zod/mini that llm-auth uses: its types for src/lib/schema.ts, and the entry of the zod bundle
// the CLI carries as text and runs on first use (tsup.config.ts).
export {
  array,
  catch,
  custom,
  looseObject,
  maxLength,
  minLength,
  number,
  optional,
  refine,
  regex,
  string,
  union,
  unknown,
} from 'zod/mini';
export type { ZodMiniType } from 'zod/mini';

// The part of zod/mini that llm-auth uses. The CLI bundle loads this module on first use (src/lib/schema.ts),
// so only these functions are bundled, and none of them is initialised by a command that parses nothing.
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

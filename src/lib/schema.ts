// Shared pieces of the zod schemas that parse what comes from outside (HTTP answers, records, lock files).
import type * as Zod from './zod.js';

// zod is loaded, and each schema built, the first time something is parsed: `status` of api-key surfaces
// parses nothing, and a statically imported zod cost its start-up about 10 ms (npm run bench, issue 7).
// The CLI bundle (tsup.config.ts defines LLM_AUTH_CLI_BUNDLE) requires ./zod.js, which esbuild bundles
// tree-shaken and initialises only on this call. Elsewhere (the ESM library, whose `require` comes from
// `createRequire`, and the tests) zod/mini is required from node_modules.
declare const LLM_AUTH_CLI_BUNDLE: boolean | undefined;
let zod: typeof Zod | undefined;
const loadZod = (): typeof Zod =>
  (zod ??=
    typeof LLM_AUTH_CLI_BUNDLE === 'boolean' && LLM_AUTH_CLI_BUNDLE
      ? // eslint-disable-next-line @typescript-eslint/no-require-imports -- the lazy load described above
        (require('./zod.js') as typeof Zod)
      : // eslint-disable-next-line @typescript-eslint/no-require-imports -- the lazy load described above
        (require('zod/mini') as typeof Zod));

/** A non-empty string; anything else (missing, empty, another type) reads as undefined. */
export const text = (z: typeof Zod): Zod.ZodMiniType<string | undefined> =>
  z.catch(z.optional(z.string().check(z.minLength(1))), undefined);

/** A string of any length; anything else reads as undefined. */
export const optionalString = (z: typeof Zod): Zod.ZodMiniType<string | undefined> => z.catch(z.optional(z.string()), undefined);

/** A schema built the first time it parses something. */
export interface Schema<T> {
  /** The parsed value, or undefined when it does not fit (a non-object for an object schema). */
  parse(value: unknown): T | undefined;
}

export type Parsed<S> = S extends Schema<infer T> ? T : never;

export function schema<T>(build: (z: typeof Zod) => Zod.ZodMiniType<T>): Schema<T> {
  let built: Zod.ZodMiniType<T> | undefined;
  return {
    parse(value) {
      built ??= build(loadZod());
      const result = built.safeParse(value);
      return result.success ? result.data : undefined;
    },
  };
}

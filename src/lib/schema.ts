// Shared pieces of the zod schemas that parse what comes from outside (HTTP answers, records, lock files).
import { join } from 'node:path';
import type * as Zod from './zod.js';

// zod is loaded, and each schema built, the first time something is parsed: `status` of api-key surfaces
// parses nothing, and zod in the CLI's start-up path cost it 6 to 10 ms (npm run bench, issue 7). The CLI
// bundle carries the zod subset of ./zod.ts as text (tsup.config.ts defines LLM_AUTH_ZOD_SOURCE), run here
// once, so that the single executable, made of that one file, has it too. The `status` bundle requires the
// same subset from dist/zod.cjs (LLM_AUTH_ZOD_FILE) when a ChatGPT surface needs it; elsewhere (the ESM
// library, whose `require` comes from `createRequire`, and the tests) zod/mini is required from node_modules.
declare const LLM_AUTH_ZOD_SOURCE: string | undefined;
declare const LLM_AUTH_ZOD_FILE: string | undefined;
let zod: typeof Zod | undefined;

/** Runs the CommonJS text of the bundled zod subset (it requires nothing) and returns its exports. */
function evaluateBundled(source: string): typeof Zod {
  const module = { exports: {} };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- text of our own build, never input
  const run = new Function('module', 'exports', source) as (m: typeof module, e: object) => void;
  run(module, module.exports);
  return module.exports as typeof Zod;
}

/* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use, as described above */
const loadZod = (): typeof Zod =>
  (zod ??=
    typeof LLM_AUTH_ZOD_SOURCE === 'string'
      ? evaluateBundled(LLM_AUTH_ZOD_SOURCE)
      : typeof LLM_AUTH_ZOD_FILE === 'string'
        ? (require(join(__dirname, LLM_AUTH_ZOD_FILE)) as typeof Zod)
        : (require('zod/mini') as typeof Zod));
/* eslint-enable @typescript-eslint/no-require-imports */

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

import { defineConfig } from 'tsup';

// Two entries: the CLI as one self-contained CommonJS file (dependencies bundled, so `status` loads a single
// module; CommonJS because Node 20 loads it about 5 ms faster than the same bundle as ESM, measured by
// `npm run bench`), and the library for apps as ESM with type declarations.
export default defineConfig([
  {
    entry: { cli: 'src/cli/main.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    platform: 'node',
    target: 'node20',
    bundle: true,
    noExternal: [/.*/],
    // src/lib/schema.ts: zod is bundled from src/lib/zod.ts and initialised on first use.
    define: { LLM_AUTH_CLI_BUNDLE: 'true' },
    splitting: false,
    // Whitespace and syntax only (names stay): V8 parses the whole file at every start, and the smaller
    // file loads faster (npm run bench); identifiers are kept readable.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: false,
    clean: false,
    outDir: 'dist',
  },
  {
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    // src/lib/schema.ts loads zod on first use through `require`, which an ES module must make itself.
    define: { LLM_AUTH_CLI_BUNDLE: 'false' },
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
    },
    platform: 'node',
    target: 'node20',
    dts: true,
    clean: false,
    outDir: 'dist',
  },
]);

import { readFileSync, writeFileSync } from 'node:fs';
import { buildSync } from 'esbuild';
import { defineConfig, type Options } from 'tsup';

const target = 'node20';

// The part of zod the CLI uses (src/lib/zod.ts), bundled on its own and carried by the CLI as text: V8 then
// neither parses nor initialises it at start-up, only when something is first parsed (src/lib/schema.ts).
// As code in the bundle, even uninitialised, it cost `status` about 6 ms; as text, about 1 ms.
const zodSource = buildSync({
  entryPoints: ['src/lib/zod.ts'],
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target,
  write: false,
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'error',
}).outputFiles[0]!.text;

/**
 * commander requires node:child_process at start-up, for executable subcommands, which llm-auth has none of;
 * with net, stream and dgram behind it, that cost every run about 7 ms. In the CLI bundle it is loaded on first
 * use instead (never, unless commander does use it).
 */
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(build: { onLoad: (o: { filter: RegExp }, f: (a: { path: string }) => { contents: string; loader: 'js' }) => void }) {
    build.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (!text.includes(eager)) throw new Error(`commander changed: ${eager} not found in ${args.path}`);
      const lazy = "const childProcess = new Proxy({}, { get: (_, name) => require('node:child_process')[name] });";
      return { contents: text.replace(eager, lazy), loader: 'js' };
    });
  },
};

/** What both CLI bundles share: one self-contained CommonJS file each, whitespace and syntax minified. */
const cliBundle: Options = {
  format: ['cjs'],
  outExtension: () => ({ js: '.cjs' }),
  platform: 'node',
  target,
  bundle: true,
  noExternal: [/.*/],
  esbuildPlugins: [lazyChildProcessForCommander],
  splitting: false,
  // Whitespace and syntax only (names stay): V8 parses the whole file at every start, and the smaller
  // file loads faster (npm run bench).
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: false,
  clean: false,
  outDir: 'dist',
};

// Three entries: the CLI as one self-contained CommonJS file (dependencies bundled, so a command loads a single
// module; CommonJS because Node 20 loads it about 5 ms faster than the same bundle as ESM, measured by
// `npm run bench`); `status` alone, a third of the size, with zod beside it (dist/zod.cjs) for the ChatGPT
// surfaces; and the library for apps as ESM with type declarations.
export default defineConfig([
  {
    ...cliBundle,
    entry: { cli: 'src/cli/main.ts' },
    define: { LLM_AUTH_ZOD_SOURCE: JSON.stringify(zodSource), LLM_AUTH_ZOD_FILE: 'undefined' },
  },
  {
    ...cliBundle,
    entry: { status: 'src/cli/status-main.ts' },
    define: { LLM_AUTH_ZOD_SOURCE: 'undefined', LLM_AUTH_ZOD_FILE: JSON.stringify('zod.cjs') },
    onSuccess: () => {
      writeFileSync('dist/zod.cjs', zodSource);
      return Promise.resolve();
    },
  },
  {
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    // src/lib/schema.ts requires zod/mini on first use; an ES module must make its own `require`.
    define: { LLM_AUTH_ZOD_SOURCE: 'undefined', LLM_AUTH_ZOD_FILE: 'undefined' },
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
    },
    platform: 'node',
    target,
    dts: true,
    clean: false,
    outDir: 'dist',
  },
]);

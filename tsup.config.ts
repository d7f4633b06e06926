import { defineConfig } from 'tsup';

// Two entries: the CLI as one self-contained file (dependencies bundled, so `status` loads a single module),
// and the library for apps, with type declarations.
export default defineConfig([
  {
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    bundle: true,
    noExternal: [/.*/],
    splitting: false,
    minify: false,
    sourcemap: false,
    clean: false,
    outDir: 'dist',
    banner: { js: "import { createRequire as __llmAuthCreateRequire } from 'node:module'; const require = __llmAuthCreateRequire(import.meta.url);" },
  },
  {
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    dts: true,
    clean: false,
    outDir: 'dist',
  },
]);

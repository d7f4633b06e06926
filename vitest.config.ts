import { defineConfig } from 'vitest/config';

// Two workers for the two cores; files share a worker's module cache (isolate: false), which saves a fresh
// import of vitest and the sources per file: about a quarter of the suite's CPU time. Tests keep no module
// state of their own (fakes are started per file; test/setup.ts removes each file's temporary directories).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    isolate: false,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});

// `npm run test:binary`: the e2e suite against the single executable (npm run build:binary): every subprocess
// test runs dist/llm-auth-<platform>-<arch> instead of bin/llm-auth (test/helpers/cli.ts reads LLM_AUTH_BIN).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const binary = path.join('dist', `llm-auth-${process.platform}-${process.arch}${process.platform === 'win32' ? '.exe' : ''}`);
const r = spawnSync(
  process.execPath,
  [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/e2e', ...process.argv.slice(2)],
  {
    cwd: root,
    env: { ...process.env, LLM_AUTH_BIN: binary },
    stdio: 'inherit',
  },
);
process.exitCode = r.status ?? 1;

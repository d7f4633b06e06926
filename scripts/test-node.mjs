// `npm run test:node -- 22 24 26`: the e2e suite under other Node majors. Each is the `node-<platform>-<arch>`
// package of that major from the npm registry, installed into a cache outside the repository
// (LLM_AUTH_NODE_CACHE, default ~/.cache/llm-auth-node). vitest itself runs on that Node, and it comes first
// on PATH, so the bin's `#!/usr/bin/env -S node --` starts it too: in-process and subprocess tests both use it.
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeBinDir } from './node-dist.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const majors = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['22', '24', '26'];
const results = [];

for (const major of majors) {
  const bin = nodeBinDir(major);
  const version = execFileSync(path.join(bin, 'node'), ['--version'], { encoding: 'utf8' }).trim();
  console.log(`\n== e2e suite on Node ${version}`);
  const started = Date.now();
  const r = spawnSync(path.join(bin, 'node'), [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/e2e'], {
    cwd: root,
    env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
    stdio: 'inherit',
  });
  results.push({ version, ok: r.status === 0, seconds: (Date.now() - started) / 1000 });
}
console.log('');
for (const { version, ok, seconds } of results)
  console.log(`${ok ? 'ok  ' : 'FAIL'} Node ${version}: e2e suite in ${seconds.toFixed(1)} s`);
process.exitCode = results.every((r) => r.ok) ? 0 : 1;

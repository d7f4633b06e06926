// `npm run checks`: the type check, ESLint and Prettier at once (they take about 5, 11 and 4 s one after
// another on a 2-core machine; together about 12 s). Each one's output is printed when it ends; the
// exit code is non-zero when any of them failed.
import { spawn } from 'node:child_process';

const checks = [
  ['tsc', ['--noEmit']],
  ['eslint', ['.', '--max-warnings=0']],
  ['prettier', ['--check', '.', '--log-level=warn']],
];

const results = await Promise.all(
  checks.map(
    ([bin, args]) =>
      new Promise((resolve) => {
        const child = spawn('npx', ['--no-install', bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('close', (code) => {
          process.stdout.write(`${bin}: ${code === 0 ? 'ok' : `failed (exit ${code})`}\n${out}`);
          resolve(code === 0);
        });
      }),
  ),
);
process.exitCode = results.every(Boolean) ? 0 : 1;

// `node bench/stress-writers.mjs [processes] [writes] [rounds]` (default 32 x 50, 5 rounds): that many
// concurrent workers each run `bin/llm-auth add-api-key` `writes` times, one after another, into one store
// in a git repository. Counts what the store holds afterwards and every failed run. Not part of `npm test`
// (minutes of CPU); it prints figures and exits 1 when an envelope is missing or a run failed.
import { execFileSync, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'llm-auth');
const [processes, writes, rounds] = [2, 3, 4].map((i, k) => Number(process.argv[i] ?? [32, 50, 5][k]));

function run(args, cwd, env) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(cli, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    child.stdout.resume();
    child.on('close', (code) => resolve({ code, stderr, ms: performance.now() - started }));
  });
}

let failedRounds = 0;
for (let round = 1; round <= rounds; round++) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-auth-stress-'));
  const env = { PATH: process.env.PATH, HOME: dir };
  execFileSync('git', ['init', '-q', dir], { env });
  fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
  const errors = [];
  let slowest = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: processes }, async (_, p) => {
      for (let w = 0; w < writes; w++) {
        const r = await run(['add-api-key', `p${p}w${w}`, 'openai', '--key', `sk-stress-${p}-${w}-0123456789`], dir, env);
        slowest = Math.max(slowest, r.ms);
        if (r.code !== 0) errors.push(`p${p}w${w}: exit ${r.code}: ${r.stderr.trim().split('\n').pop()}`);
      }
    }),
  );
  const text = fs.readFileSync(path.join(dir, '.env'), 'utf8');
  const begins = (text.match(/^# BEGIN LLM AUTH SURFACE p\d+w\d+ api-key$/gm) ?? []).length;
  let keys = 0;
  for (let p = 0; p < processes; p++)
    for (let w = 0; w < writes; w++) if (text.includes(`=sk-stress-${p}-${w}-0123456789\n`)) keys++;
  const leftovers = fs.readdirSync(dir).filter((n) => !['.env', '.git', '.gitignore'].includes(n));
  const expected = processes * writes;
  console.log(
    `round ${round}: ${begins}/${expected} envelopes, ${keys}/${expected} keys, ${errors.length} errors, ` +
      `${leftovers.length} leftovers, ${((Date.now() - started) / 1000).toFixed(1)} s, slowest run ${(slowest / 1000).toFixed(1)} s`,
  );
  for (const e of errors.slice(0, 5)) console.log(`  ${e}`);
  if (begins !== expected || keys !== expected || errors.length > 0 || leftovers.length > 0) failedRounds++;
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(failedRounds === 0 ? 'all rounds complete' : `${failedRounds} round(s) incomplete`);
process.exitCode = failedRounds === 0 ? 0 : 1;

// `node bench/kill-writers.mjs [kills]` (default 300): starts `bin/llm-auth add-api-key` in a git repository,
// SIGKILLs it at a random moment in its first 400 ms, then runs the next writer to completion. Counts torn
// stores (the file must be the old content or the old content plus one whole envelope), leftovers that git
// would see or that hold a secret after the next command, and how long that next command took (it must take
// over a dead writer's lock at once). Not part of `npm test`; prints figures, exits 1 on any defect.
import { execFileSync, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'llm-auth');
const kills = Number(process.argv[2] ?? 300);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-auth-kill-'));
const env = { PATH: process.env.PATH, HOME: dir, GIT_CONFIG_NOSYSTEM: '1' };
const git = (...args) => execFileSync('git', ['-C', dir, ...args], { env, encoding: 'utf8' });
git('init', '-q');
fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
git('add', '.gitignore');
git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'ignore');
const store = path.join(dir, '.env');

function run(args, killAfterMs) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(cli, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    child.stdout.resume();
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, ms: performance.now() - started });
    });
  });
}

const read = () => (fs.existsSync(store) ? fs.readFileSync(store, 'utf8') : '');
/** The old text, or the old text plus exactly one whole envelope named `name`. */
function intact(before, after, name) {
  if (after === before) return true;
  if (!after.startsWith(before === '' ? '' : before.replace(/\n*$/, ''))) return false;
  const added = after.slice(before.replace(/\n*$/, '').length);
  return new RegExp(
    `# BEGIN LLM AUTH SURFACE ${name} api-key\\n(?:# .*\\n)*[A-Z0-9_]+=\\S+\\n# END LLM AUTH SURFACE ${name} api-key\\n$`,
  ).test(added);
}

let torn = 0;
let killedMidway = 0;
let slow = 0;
let failedNext = 0;
let visible = 0;
let secretLeftovers = 0;
let maxNextMs = 0;
for (let i = 0; i < kills; i++) {
  const before = read();
  const killed = await run(['add-api-key', `k${i}`, 'openai', '--key', `sk-killed-${i}-0123456789`], Math.random() * 400);
  if (killed.signal === 'SIGKILL') killedMidway++;
  const afterKill = read();
  if (!intact(before, afterKill, `k${i}`)) torn++;
  const next = await run(['add-api-key', `n${i}`, 'openai', '--key', `sk-next-${i}-0123456789`]);
  maxNextMs = Math.max(maxNextMs, next.ms);
  if (next.ms > 1500) slow++;
  if (next.code !== 0) {
    failedNext++;
    console.log(`next writer ${i}: exit ${next.code}: ${next.stderr.trim()}`);
  }
  if (!intact(afterKill, read(), `n${i}`)) torn++;
  // What `git add -A` would pick up, and any file other than the store that still holds a key.
  if (git('status', '--porcelain', '--untracked-files=all').trim() !== '') visible++;
  const places = [dir, path.join(dir, '.git', 'llm-auth')].filter((d) => fs.existsSync(d));
  for (const place of places) {
    for (const name of fs.readdirSync(place)) {
      const file = path.join(place, name);
      if (file === store || !fs.statSync(file).isFile()) continue;
      if (/sk-(killed|next)-/.test(fs.readFileSync(file, 'utf8'))) secretLeftovers++;
    }
  }
}
const surfaces = (read().match(/^# BEGIN LLM AUTH SURFACE /gm) ?? []).length;
console.log(
  `${kills} kills (${killedMidway} while running): ${torn} torn stores, ${visible} times git saw a leftover, ` +
    `${secretLeftovers} leftover files holding a key, next writer failed ${failedNext} times, ` +
    `slowest next writer ${maxNextMs.toFixed(0)} ms (${slow} over 1.5 s); store holds ${surfaces} surfaces`,
);
fs.rmSync(dir, { recursive: true, force: true });
process.exitCode = torn + visible + secretLeftovers + failedNext + slow === 0 ? 0 : 1;

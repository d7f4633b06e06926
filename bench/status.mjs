// `npm run bench`: `bin/llm-auth status` against bare `node -e 0`, side by side in one run (repeated, with the
// verdict and code caches warm; and first, with nothing cached), in a small repository and in one of 50,000
// commits; then stores of 1,000 and 10,000 envelopes. Prints figures; asserts nothing (speed is measured,
// not tested). BENCH_BASELINE=/path/to/other/bin/llm-auth adds that build to the same interleaved runs;
// BENCH_PYTHON='/path/to/venv/bin/llm-auth' (a command line, split on spaces, run without a shell) adds the
// Python tool, where it is installed (it is not on npm or Debian, and PyPI is out of reach here).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'llm-auth');
const runs = Number(process.env.BENCH_RUNS ?? 40);
const commits = Number(process.env.BENCH_COMMITS ?? 50_000);
const baseline = process.env.BENCH_BASELINE;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-auth-bench-'));
const env = { PATH: process.env.PATH, HOME: tmp, GIT_CONFIG_NOSYSTEM: '1' };

function gitRepo(dir) {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('git', ['init', '-q', '-b', 'main', dir], { env });
  fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
  const store = [
    '# BEGIN LLM AUTH SURFACE research api-key',
    '# provider=openai',
    '# env=OPENAI_RESEARCH_API_KEY',
    'OPENAI_RESEARCH_API_KEY=sk-bench-0123456789abcdef',
    '# END LLM AUTH SURFACE research api-key',
    '# BEGIN LLM AUTH SURFACE evals api-key',
    '# provider=openrouter',
    '# env=OPENROUTER_API_KEY',
    'OPENROUTER_API_KEY=sk-or-bench-0123456789',
    '# END LLM AUTH SURFACE evals api-key',
    '# BEGIN LLM AUTH SURFACE custom weird-mode',
    'CUSTOM_TOKEN=abc',
    '# END LLM AUTH SURFACE custom weird-mode',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, '.env'), store, { mode: 0o600 });
}

function time(cmd, args, cwd, input) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, env, input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const cacheDir = path.join(tmp, '.cache', 'llm-auth');
/** Waits past the verdict cache's racy window (2 s), so a just-made repository's pass is kept. */
const settle = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2500);
/**
 * The other commands of a pair, run the same way (BENCH_BASELINE, BENCH_PYTHON: a command line). `commands`
 * names the ones it has: the Python tool 0.1.2 has `status` but no `token`.
 */
const others = [
  ...(baseline ? [{ label: `baseline ${baseline}`, cmd: baseline, args: [], commands: undefined }] : []),
  ...(process.env.BENCH_PYTHON
    ? [
        {
          label: 'Python llm-auth 0.1.2',
          cmd: process.env.BENCH_PYTHON.trim().split(/\s+/)[0],
          args: process.env.BENCH_PYTHON.trim().split(/\s+/).slice(1),
          commands: ['status'],
        },
      ]
    : []),
];

/**
 * Interleaved pairs (bare `node -e 0`, then the command) after a warm-up: the median of the per-pair ratios,
 * so both see the same machine state. `first` removes llm-auth's cache directory before each run: nothing
 * cached, the verdict and code caches written anew. Otherwise both caches are warm (a repeated status).
 */
function pairs(cwd, args, { first = false } = {}) {
  const ratios = [];
  const times = [];
  const bare = [];
  const has = (o) => o.commands === undefined || o.commands.includes(args[0]);
  const otherTimes = others.map(() => []);
  time(cli, args, cwd);
  for (let i = 0; i < runs; i++) {
    if (first) fs.rmSync(cacheDir, { recursive: true, force: true });
    const b = time(process.execPath, ['-e', '0'], cwd);
    const t = time(cli, args, cwd);
    others.forEach((o, k) => has(o) && otherTimes[k].push(time(o.cmd, [...o.args, ...args], cwd)));
    bare.push(b);
    times.push(t);
    ratios.push(t / b);
  }
  return {
    bare: median(bare),
    t: median(times),
    ratio: median(ratios),
    others: otherTimes.map((t) => (t.length > 0 ? median(t) : undefined)),
  };
}

function sideBySide(cwd, label) {
  fs.rmSync(cacheDir, { recursive: true, force: true });
  time(cli, ['status'], cwd);
  settle();
  const row = (what, r) =>
    console.log(
      `${label}: ${what} median ${r.t.toFixed(1)} ms; node -e 0 ${r.bare.toFixed(1)} ms; ratio ${r.ratio.toFixed(2)}x (${runs} interleaved pairs)` +
        others.map((o, k) => (r.others[k] === undefined ? '' : `; ${o.label} ${r.others[k].toFixed(1)} ms`)).join(''),
    );
  row('repeated status', pairs(cwd, ['status']));
  row('repeated token research', pairs(cwd, ['token', 'research']));
  row('first status (no cache)', pairs(cwd, ['status'], { first: true }));
  // A new commit before each run: only the refs changed, so only the new history is walked.
  const incremental = [];
  for (let i = 0; i < Math.min(runs, 10); i++) {
    const tree = execFileSync('git', ['rev-parse', 'HEAD^{tree}'], { cwd, env, encoding: 'utf8' }).trim();
    const commit = execFileSync(
      'git',
      ['-c', 'user.name=b', '-c', 'user.email=b@example.com', 'commit-tree', '-p', 'HEAD', '-m', `more ${i}`, tree],
      {
        cwd,
        env,
        encoding: 'utf8',
      },
    ).trim();
    execFileSync('git', ['update-ref', 'HEAD', commit], { cwd, env });
    incremental.push(time(cli, ['status'], cwd));
  }
  console.log(
    `${label}: status after each new commit (incremental history) median ${median(incremental).toFixed(1)} ms (${incremental.length} runs)`,
  );
}

function bigRepo(dir, n) {
  gitRepo(dir);
  // One file changed per commit, written by fast-import in a single stream.
  let stream = '';
  const now = 1_700_000_000;
  for (let i = 1; i <= n; i++) {
    const content = `line ${i}\n`;
    stream += `commit refs/heads/main\nmark :${i}\ncommitter Bench <bench@example.com> ${now + i} +0000\ndata 0\n`;
    if (i > 1) stream += `from :${i - 1}\n`;
    stream += `M 100644 inline file${i % 100}.txt\ndata ${Buffer.byteLength(content)}\n${content}\n`;
  }
  const t0 = Date.now();
  execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, input: stream, env, maxBuffer: 1 << 30 });
  execFileSync('git', ['checkout', '-q', '-f', 'main'], { cwd: dir, env });
  console.log(`generated ${n} commits with git fast-import in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** `status` and `add-api-key` in a store of n envelopes: both should grow linearly with n. */
function storeScale(n, reps = 5) {
  const dir = path.join(tmp, `scale-${n}`);
  gitRepo(dir);
  let text = '';
  for (let i = 0; i < n; i++) {
    const name = `s${i}`;
    text += `# BEGIN LLM AUTH SURFACE ${name} api-key\n# provider=openai\n# env=KEY_${i}\nKEY_${i}=sk-scale-${i.toString(36).padStart(8, '0')}-0123456789\n# END LLM AUTH SURFACE ${name} api-key\n`;
  }
  const store = path.join(dir, '.env');
  const statusTimes = [];
  const addTimes = [];
  for (let r = 0; r < reps; r++) {
    fs.writeFileSync(store, text, { mode: 0o600 });
    statusTimes.push(time(cli, ['status'], dir));
    addTimes.push(time(cli, ['add-api-key', `new${r}`, 'openai', '--key', '-'], dir, `sk-added-${r}-0123456789abcdef\n`));
  }
  console.log(
    `store of ${n} envelopes (${(text.length / 1e6).toFixed(1)} MB): status median ${median(statusTimes).toFixed(0)} ms; add-api-key median ${median(addTimes).toFixed(0)} ms (${reps} runs each)`,
  );
}

try {
  for (const n of (process.env.BENCH_ENVELOPES ?? '1000,10000').split(',').filter(Boolean).map(Number)) storeScale(n);
  const small = path.join(tmp, 'small');
  gitRepo(small);
  execFileSync('git', ['add', '.gitignore'], { cwd: small, env });
  execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@example.com', 'commit', '-q', '-m', 'init'], { cwd: small, env });
  sideBySide(small, 'small repository, 3 surfaces');
  const big = path.join(tmp, 'big');
  bigRepo(big, commits);
  sideBySide(big, `${commits}-commit repository, 3 surfaces`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

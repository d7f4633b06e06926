// `npm run test:clients`: the README's recipes with the real clients. Installs pinned versions of Claude Code,
// Codex CLI, Gemini CLI and OpenCode into a cache outside the repository (LLM_AUTH_CLIENTS_CACHE, default
// ~/.cache/llm-auth-clients; about 1.3 GB, about 40 s the first time), then runs each one-shot against a
// loopback portal and gateway (scripts/clients/fake-gateway.mjs) with llm-auth as the key source. The clients
// get an HTTP(S) proxy that refuses everything, so no request leaves 127.0.0.1; the hosts they tried are listed.
import { execFile, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startGateway, startRefusingProxy } from './clients/fake-gateway.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLIENTS = {
  '@anthropic-ai/claude-code': '2.1.332',
  '@openai/codex': '0.171.0',
  '@google/gemini-cli': '0.61.0',
  'opencode-ai': '1.18.33',
};
const cache = process.env.LLM_AUTH_CLIENTS_CACHE ?? path.join(os.homedir(), '.cache', 'llm-auth-clients');
const started = Date.now();
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

// 1. The clients, pinned.
fs.mkdirSync(cache, { recursive: true });
const installed = Object.entries(CLIENTS).every(([name, version]) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(cache, 'node_modules', name, 'package.json'), 'utf8')).version === version;
  } catch {
    return false;
  }
});
if (!installed) {
  console.log(
    `installing ${Object.entries(CLIENTS)
      .map(([n, v]) => `${n}@${v}`)
      .join(' ')} into ${cache}`,
  );
  execFileSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefix', cache, ...Object.entries(CLIENTS).map(([n, v]) => `${n}@${v}`)],
    {
      stdio: 'inherit',
    },
  );
}
const clientBin = path.join(cache, 'node_modules', '.bin');

/** The code block after `<!-- recipe: {name} -->` in the README. */
function recipe(name) {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const m = new RegExp(`<!-- recipe: ${name} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m) throw new Error(`no recipe ${name} in the README`);
  return m[1];
}

const gateway = await startGateway();
const proxy = await startRefusingProxy();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-auth-clients-'));
try {
  // 2. A repository with its ignored store, and a home elsewhere: the clients never run inside the repository.
  const repo = path.join(tmp, 'repo');
  fs.mkdirSync(repo);
  execFileSync('git', ['init', '-q', repo]);
  fs.writeFileSync(path.join(repo, '.gitignore'), '/.env\n');
  const store = path.join(repo, '.env');
  const home = path.join(tmp, 'home');
  const bin = path.join(tmp, 'bin');
  fs.mkdirSync(home);
  fs.mkdirSync(bin);
  fs.symlinkSync(path.join(root, 'bin', 'llm-auth'), path.join(bin, 'llm-auth'));
  const swap = (text) => text.replaceAll('/home/me/src/repo/.env', store).replaceAll('https://llm.example.com', gateway.origin);
  const env = {
    PATH: `${bin}:${clientBin}:${process.env.PATH}`,
    HOME: home,
    HTTP_PROXY: proxy.url,
    HTTPS_PROXY: proxy.url,
    NO_PROXY: '127.0.0.1,localhost',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    CODEX_HOME: path.join(home, '.codex'),
    OPENCODE_CONFIG: path.join(home, 'opencode.json'),
    OPENCODE_DISABLE_AUTOUPDATE: '1',
  };
  // stdin closed: Codex and OpenCode read a prompt from stdin while it is open.
  const run = (command, args) =>
    new Promise((resolve) => {
      const t0 = Date.now();
      const child = spawn(command, args, { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b) => (stdout += b));
      child.stderr.on('data', (b) => (stderr += b));
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr, ms: Date.now() - t0 });
      });
    });

  execFileSync(
    path.join(bin, 'llm-auth'),
    ['add-gateway', 'corp', '--portal', gateway.origin, '--api-base', `${gateway.origin}/v1`, '--clients', 'gemini,opencode'],
    {
      cwd: repo,
      env,
    },
  );
  // Asynchronously: the loopback portal answers from this process.
  await new Promise((resolve, reject) => {
    const child = execFile(path.join(bin, 'llm-auth'), ['login', 'corp', '--with-token'], { cwd: repo, env }, (err) =>
      err ? reject(err) : resolve(),
    );
    child.stdin.end(gateway.state.session);
  });

  // 3. The README's configuration files.
  fs.mkdirSync(path.join(home, '.claude'));
  fs.writeFileSync(path.join(home, '.claude', 'settings.json'), swap(recipe('claude-settings')));
  fs.mkdirSync(env.CODEX_HOME);
  fs.writeFileSync(path.join(env.CODEX_HOME, 'config.toml'), swap(recipe('codex-config')));
  fs.mkdirSync(path.join(home, '.gemini'));
  fs.writeFileSync(path.join(home, '.gemini', 'settings.json'), recipe('gemini-settings'));
  fs.writeFileSync(env.OPENCODE_CONFIG, recipe('opencode-config'));
  const exec = swap(recipe('exec')).trim();

  const clients = {
    claude: () => run('/bin/sh', ['-c', `claude -p 'Say 1'`]),
    codex: () => run('/bin/sh', ['-c', `codex exec --skip-git-repo-check 'Say 1'`]),
    gemini: () => run('/bin/sh', ['-c', `${exec} --skip-trust -p 'Say 1'`]),
    opencode: () => run('/bin/sh', ['-c', exec.replace(/gemini$/, `opencode run 'Say 1'`)]),
  };
  const sent = (from) =>
    gateway.log
      .slice(from)
      .filter((q) => q.method === 'POST' && !q.path.startsWith('/api/'))
      .map((q) => q.key);
  const times = {};
  /** The gateway expires the key, an hour after the last renewal (a renewal under a minute old is adopted, not repeated). */
  const rotate = () => {
    const text = fs.readFileSync(store, 'utf8');
    fs.writeFileSync(
      store,
      text.replace(/^# renewed_at=.*$/m, `# renewed_at=${new Date(Date.now() - 3_600_000).toISOString().slice(0, 19)}Z`),
    );
    gateway.state.expired.add(gateway.state.key);
  };

  async function round(label, names) {
    const posts = gateway.state.posts;
    for (const name of names) {
      const from = gateway.log.length;
      const r = await clients[name]();
      times[name] = [...(times[name] ?? []), r.ms];
      const keys = sent(from);
      // A client may first send a key it cached (Claude Code keeps the helper's answer for its TTL); what counts is
      // that its answered request carried the key llm-auth holds now.
      check(
        r.code === 0 && r.stdout.trim().split('\n').at(-1)?.trim() === '1' && keys.at(-1) === gateway.state.key,
        `${label}: ${name} answered "1"; its last request carried the key llm-auth holds (${keys.length} request(s), ${new Set(keys).size} key(s), ${r.ms} ms)`,
      );
      if (r.code !== 0) console.log(r.stdout.slice(-1500), r.stderr.slice(-1500));
    }
    return gateway.state.posts - posts;
  }

  // 4. Each client gets the stored key.
  let posts = await round('stored key', ['claude', 'codex', 'gemini', 'opencode']);
  check(posts === 0, `stored key: ${posts} POST(s) to the portal (login stored the key the portal held)`);

  // 5. The gateway expires the key: the helpers renew it once for Claude Code and Codex alike.
  rotate();
  posts = await round('after a rotation', ['claude', 'codex']);
  check(posts === 1, `after a rotation: ${posts} POST(s) for Claude Code and Codex together`);

  // 6. Gemini CLI and OpenCode through exec get a fresh key.
  rotate();
  posts = await round('exec after a rotation', ['gemini', 'opencode']);
  check(posts === 1, `exec after a rotation: ${posts} POST(s) for Gemini CLI and OpenCode together`);

  // 7. The openai SDK through the library survives a rotation mid-session with one renewal.
  const { createOpenAIClient } = await import(pathToFileURL(path.join(root, 'dist', 'index.js')).href);
  const ai = await createOpenAIClient('corp', { envFile: store, env: {}, clientOptions: { maxRetries: 0 } });
  const ask = () => ai.chat.completions.create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'Say 1' }] });
  const before = (await ask()).choices[0].message.content;
  rotate();
  const p0 = gateway.state.posts;
  const after = (await ask()).choices[0].message.content;
  check(
    before === '1' && after === '1' && gateway.state.posts - p0 === 1,
    `openai SDK: answered before and after a mid-session rotation with ${gateway.state.posts - p0} renewal`,
  );

  // 8. Nothing left 127.0.0.1.
  console.log(
    `hosts the clients tried through the refusing proxy (none reached): ${[...new Set(proxy.hosts)].join(', ') || 'none'}`,
  );
  for (const [name, version] of Object.entries(CLIENTS)) console.log(`client ${name}@${version}`);
  for (const [name, ms] of Object.entries(times))
    console.log(`wall ${name}: ${ms.map((m) => `${(m / 1000).toFixed(1)} s`).join(', ')}`);
} finally {
  await gateway.close();
  await proxy.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(
  `test:clients ${failures.length === 0 ? 'passed' : `FAILED (${failures.length})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
process.exitCode = failures.length === 0 ? 0 : 1;

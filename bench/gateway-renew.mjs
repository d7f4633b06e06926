// `npm run bench` (part 3): 32 `llm-auth renew corp` processes started together against a loopback portal and
// gateway, first with an expired key (one of them renews), then with the valid new key (nobody does). Prints
// the POSTs the portal saw, each run's result lines and its wall time.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'llm-auth');
const N = Number(process.env.BENCH_RENEWS ?? 32);
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
const session = `${b64({ alg: 'none' })}.${b64({ exp: Math.floor(Date.now() / 1000) + 3600 })}.sig`;
const newKey = () => `sk-${randomBytes(17).toString('base64url').slice(0, 22)}`;

let current = newKey();
const expired = new Set([current]);
let posts = 0;
const send = (res, status, body) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (req.url === '/api/v1/auths/api_key') {
      if (bearer !== session) return send(res, 401, { detail: '401 Unauthorized' });
      if (req.method === 'POST') {
        posts++;
        current = newKey();
      }
      return send(res, 200, { api_key: current });
    }
    if (req.url === '/v1/models') {
      if (bearer === current && !expired.has(bearer)) return send(res, 200, { object: 'list', data: [] });
      return send(res, 400, { error: { message: 'Authentication Error - Expired Key.', type: 'expired_key' } });
    }
    send(res, 404, { detail: 'Not Found' });
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

async function runAll(dir, env) {
  const t0 = process.hrtime.bigint();
  const outputs = await Promise.all(
    Array.from(
      { length: N },
      () =>
        new Promise((resolve) => {
          const child = spawn(cli, ['renew', 'corp'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'ignore'] });
          let out = '';
          child.stdout.on('data', (b) => (out += b));
          child.on('close', (code) => resolve({ code, out: out.trim() }));
        }),
    ),
  );
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const lines = {};
  for (const { out } of outputs) lines[out] = (lines[out] ?? 0) + 1;
  const passed = outputs.filter((o) => o.code === 0).length;
  return { wall, passed, lines };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-auth-bench-gateway-'));
try {
  execFileSync('git', ['init', '-q', dir]);
  fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
  fs.writeFileSync(
    path.join(dir, '.env'),
    [
      '# BEGIN LLM AUTH SURFACE corp gateway-key',
      `# portal=${origin}`,
      `# api_base=${origin}/v1`,
      '# env=LLM_AUTH_CORP_GATEWAY_KEY',
      '# session_env=LLM_AUTH_CORP_PORTAL_SESSION',
      '# renew=true',
      `LLM_AUTH_CORP_GATEWAY_KEY=${current}`,
      `LLM_AUTH_CORP_PORTAL_SESSION=${session}`,
      '# END LLM AUTH SURFACE corp gateway-key',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const env = { PATH: process.env.PATH, HOME: dir };
  for (const label of ['expired key', 'valid key']) {
    const before = posts;
    const { wall, passed, lines } = await runAll(dir, env);
    console.log(
      `${N} concurrent gateway renews, ${label}: ${posts - before} POST(s), ${passed}/${N} passed, wall ${(wall / 1000).toFixed(2)} s`,
    );
    for (const [line, count] of Object.entries(lines)) console.log(`  ${count} x ${line}`);
  }
} finally {
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

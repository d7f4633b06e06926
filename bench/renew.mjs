// `npm run bench` (part 2): 32 `llm-auth renew` processes started together against a loopback token endpoint
// whose refresh answer takes about 1 s. Prints how many refresh requests it saw and the wall time.
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
const jwt = (claims) => `${b64({ alg: 'none' })}.${b64(claims)}.sig`;
// The login being renewed is old (iat two minutes ago); refreshed tokens are issued now, so a process that
// starts after the refresh was written adopts it (chatgpt-oauth.md §6.2).
const family = (iatOffset = 0) => {
  const now = Math.floor(Date.now() / 1000);
  return {
    access_token: jwt({ exp: now + 3600, iat: now + iatOffset }),
    refresh_token: `rt_${randomBytes(8).toString('hex')}`,
    id_token: jwt({}),
  };
};

let refreshes = 0;
const valid = new Set();
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const { refresh_token: rt } = JSON.parse(body || '{}');
    refreshes++;
    setTimeout(() => {
      if (!valid.has(rt)) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"refresh_token_reused"}}');
        return;
      }
      valid.delete(rt);
      const f = family();
      valid.add(f.refresh_token);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(f));
    }, 1000);
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-auth-bench-renew-'));
try {
  execFileSync('git', ['init', '-q', dir]);
  fs.writeFileSync(path.join(dir, '.gitignore'), '/.env\n');
  const f = family(-120);
  valid.add(f.refresh_token);
  fs.writeFileSync(
    path.join(dir, '.env'),
    `# BEGIN LLM AUTH SURFACE chatgpt subscription-oauth (managed by llm-auth)\n# env=CHATGPT_AUTH_JSON\n# renew=true\nCHATGPT_AUTH_JSON='${JSON.stringify(f)}'\n# END LLM AUTH SURFACE chatgpt subscription-oauth\n`,
    { mode: 0o600 },
  );
  const env = { PATH: process.env.PATH, HOME: dir, LLM_AUTH_CHATGPT_ISSUER: `http://127.0.0.1:${port}` };
  const t0 = process.hrtime.bigint();
  const codes = await Promise.all(
    Array.from(
      { length: N },
      () => new Promise((resolve) => spawn(cli, ['renew'], { cwd: dir, env, stdio: 'ignore' }).on('close', resolve)),
    ),
  );
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const passed = codes.filter((c) => c === 0).length;
  console.log(
    `${N} concurrent renews: ${refreshes} refresh request(s) seen by the endpoint, ${passed}/${N} passed, wall ${(wall / 1000).toFixed(2)} s (refresh answer delayed 1 s)`,
  );
} finally {
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

// `npm run test:pack`: the package as users get it. Packs the project, checks what the tarball holds, installs
// it into a temporary project (no install-time warning may mention llm-auth), and runs the bin through npx,
// the library through `import` and `require`, and a TypeScript consumer against the shipped declarations.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-auth-pack-'));
const failures = [];
const check = (ok, what, detail = '') => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) {
    failures.push(what);
    if (detail) console.log(detail);
  }
};
const run = (cmd, args, cwd, extra = {}) => {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false' },
    ...extra,
  });
  return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '' };
};

try {
  // 1. The tarball holds what runs, README, LICENSE and CHANGELOG.md, and nothing else (built just before; a
  //    single executable left in dist/ by npm run build:binary is not packed).
  const packed = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], root);
  const [info] = JSON.parse(packed.out);
  const files = info.files.map((f) => f.path).sort();
  const expected = [
    'CHANGELOG.md',
    'LICENSE',
    'README.md',
    'bin/llm-auth',
    'bin/llm-auth.sh',
    'bin/package.json',
    'bin/start.cjs',
    'dist/cli.cjs',
    'dist/index.d.ts',
    'dist/index.js',
    'dist/status.cjs',
    'dist/zod.cjs',
    'package.json',
  ];
  check(JSON.stringify(files) === JSON.stringify(expected), `the tarball holds ${expected.length} files`, files.join('\n'));
  const tarball = path.join(tmp, info.filename);

  // 2. A consumer installs it: no install-time warning about llm-auth (no `prepare` in the package).
  const app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }),
  );
  const installed = run('npm', ['install', '--no-audit', '--no-fund', tarball], app);
  check(
    installed.code === 0 && !/llm-auth@/.test(installed.err),
    'npm install of the tarball, with no warning naming llm-auth',
    installed.err,
  );
  const deps = Object.keys(
    JSON.parse(fs.readFileSync(path.join(app, 'node_modules', 'llm-auth', 'package.json'), 'utf8')).dependencies ?? {},
  );
  check(JSON.stringify(deps) === '["zod"]', `runtime dependencies: ${deps.join(', ')} (commander is bundled)`);

  // 3. The bin through npx.
  const help = run('npx', ['--no-install', 'llm-auth', '--help'], app);
  check(help.code === 0 && help.out.includes('Usage: llm-auth'), 'npx llm-auth --help');
  execFileSync('git', ['init', '-q'], { cwd: app });
  const status = run('npx', ['--no-install', 'llm-auth', 'status'], app);
  check(status.code === 0 && status.out === '{}\n', 'npx llm-auth status (no store: {})', status.err);
  const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
  const other = path.join(tmp, 'elsewhere');
  fs.mkdirSync(other);
  const viaP = run('npx', ['--yes', '-p', tarball, 'llm-auth', '--version'], other);
  check(viaP.code === 0 && viaP.out === `${version}\n`, `npx -p <tarball> llm-auth --version: ${viaP.out.trim()}`, viaP.err);

  // 4. The library: import, require (Node >= 20.19 loads the ES module through require), TypeScript.
  fs.writeFileSync(
    path.join(app, 'esm.mjs'),
    "import { openStore, LlmAuthError } from 'llm-auth';\nconsole.log(typeof openStore, typeof LlmAuthError);\n",
  );
  const esm = run(process.execPath, ['esm.mjs'], app);
  check(esm.out === 'function function\n', 'import { openStore } from "llm-auth"', esm.err);
  fs.writeFileSync(
    path.join(app, 'cjs.cjs'),
    "const { credentialsFor } = require('llm-auth');\nconsole.log(typeof credentialsFor);\n",
  );
  const [major, minor] = process.versions.node.split('.').map(Number);
  const cjs = run(process.execPath, ['cjs.cjs'], app);
  if (major > 20 || (major === 20 && minor >= 19)) check(cjs.out === 'function\n', 'require("llm-auth")', cjs.err);
  else console.log(`skip require("llm-auth"): Node ${process.versions.node} cannot require an ES module`);
  fs.writeFileSync(
    path.join(app, 'app.ts'),
    "import { credentialsFor, type Credentials } from 'llm-auth';\nexport const get = (): Promise<Credentials> => credentialsFor('corp');\n// @ts-expect-error the surface name is a string\ncredentialsFor(42);\n",
  );
  fs.writeFileSync(
    path.join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
      },
      files: ['app.ts'],
    }),
  );
  const tsc = run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], app);
  check(tsc.code === 0, 'a TypeScript consumer type-checks against the shipped declarations', tsc.out + tsc.err);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`test:pack ${failures.length === 0 ? 'passed' : `FAILED (${failures.length})`}`);
process.exitCode = failures.length === 0 ? 0 : 1;

// `npm run build:binary`: the CLI as one executable file, dist/llm-auth-<platform>-<arch>, that runs with no Node
// installed (a Node single-executable application). The bundle dist/cli.cjs is its main script.
//
// Which Node it embeds: one whose SEA support has `execArgv` (Node >= 25.5 builds it with the built-in
// `--build-sea`). Node 20's SEA, even through postject, reads `--env-file PATH` anywhere on the command line
// as its own option (it exits 9 when PATH does not exist, and loads the file into the environment when it does:
// our store!), and has no way to stop it. With `execArgv: ["--"]` the embedded Node stops reading options
// before the user's arguments. `execArgvExtension: "none"`: NODE_OPTIONS cannot change the binary either
// (no `--require` of someone else's code, no `--inspect` into a process holding secrets).
// The running Node is used when it can; else node-<platform>-<arch>@26 from the npm registry (cached).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeBinDir } from './node-dist.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor] = process.versions.node.split('.').map(Number);
const canBuild = major > 25 || (major === 25 && minor >= 5);
const node = canBuild ? process.execPath : path.join(nodeBinDir(process.env.LLM_AUTH_SEA_NODE ?? '26'), 'node');
const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
const output = path.join(
  root,
  'dist',
  `llm-auth-${process.platform}-${process.arch}${process.platform === 'win32' ? '.exe' : ''}`,
);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-auth-sea-'));
try {
  const main = path.join(work, 'main.cjs');
  // The bundle, then what bin/llm-auth does with it.
  fs.writeFileSync(main, `${fs.readFileSync(path.join(root, 'dist', 'cli.cjs'), 'utf8')}\nmodule.exports.run();\n`);
  const config = path.join(work, 'sea-config.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      main,
      output,
      disableExperimentalSEAWarning: true,
      useCodeCache: true,
      execArgv: ['--'],
      execArgvExtension: 'none',
    }),
  );
  const started = Date.now();
  execFileSync(node, ['--build-sea', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  fs.chmodSync(output, 0o755);
  const size = fs.statSync(output).size;
  console.log(
    `built ${path.relative(root, output)} with Node ${version}: ${(size / 1024 / 1024).toFixed(1)} MiB in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

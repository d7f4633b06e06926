// A plain Node binary of a given major, from the `node-<platform>-<arch>` package of the npm registry (the only
// place this machine can download from), installed once into a cache outside the repository
// (LLM_AUTH_NODE_CACHE, default ~/.cache/llm-auth-node). Used by `npm run test:node` and `npm run build:binary`.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const cache = process.env.LLM_AUTH_NODE_CACHE ?? path.join(os.homedir(), '.cache', 'llm-auth-node');
const pkg = `node-${process.platform}-${process.arch}`;

/** The directory holding `node` of that major (installed on first use). */
export function nodeBinDir(major) {
  const prefix = path.join(cache, `node${major}`);
  const bin = path.join(prefix, 'node_modules', pkg, 'bin');
  if (!fs.existsSync(path.join(bin, 'node'))) {
    console.log(`installing ${pkg}@${major} into ${prefix}`);
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', prefix, `${pkg}@${major}`], { stdio: 'inherit' });
  }
  return bin;
}

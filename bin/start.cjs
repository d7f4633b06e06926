// Loads the CLI bundle with V8's code cache, which saves compiling it at every start (about 6 ms of a `status`;
// npm run bench). A plain `status` command line gets dist/status.cjs instead: the same code for `status`, a third
// of the size (src/cli/status-main.ts, which also says what "plain" is). The bundle is compiled through vm.Script
// with the cached data, and the data written after the first run that ran the command, so that it holds the
// functions the command compiled, not only the top level. Node's own module.enableCompileCache (Node >= 22.1)
// keeps the top level only: measured on Node 22 and 24, a repeated `status` took 2.3-3.6 ms longer with it.
// The cache lives in llm-auth's cache directory ($XDG_CACHE_HOME/llm-auth, else ~/.cache/llm-auth;
// LLM_AUTH_NO_CACHE turns it off), which must be the user's own and not writable by others, and is never inside
// a repository: V8 checks that the data belongs to this source, this V8 and its flags, and a cache nobody else
// can write is as safe as the bundle itself. Any problem with it only means compiling as before.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** Whether the command, after the global `--env-file`, is `status`. */
function namesStatus(argv) {
  let i = 2;
  while (argv[i] === '--env-file' || (argv[i] ?? '').startsWith('--env-file=')) i += argv[i] === '--env-file' ? 2 : 1;
  return argv[i] === 'status';
}

/** The cache directory, as src/safety/verdict-cache.ts decides it; undefined when off or not safe. */
function cacheDirectory() {
  const env = process.env;
  if ((env.LLM_AUTH_NO_CACHE ?? '') !== '') return undefined;
  let dir;
  if (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)) dir = path.join(env.XDG_CACHE_HOME, 'llm-auth');
  else if (process.platform === 'win32' && env.LOCALAPPDATA && path.isAbsolute(env.LOCALAPPDATA))
    dir = path.join(env.LOCALAPPDATA, 'llm-auth', 'cache');
  else if (env.HOME && path.isAbsolute(env.HOME)) dir = path.join(env.HOME, '.cache', 'llm-auth');
  else return undefined;
  // Never inside a repository (a HOME that is a dotfiles repository).
  for (let d = dir; ; d = path.dirname(d)) {
    if (['.git', '.hg', '.sl'].some((m) => fs.existsSync(path.join(d, m)))) return undefined;
    if (path.dirname(d) === d) break;
  }
  return dir;
}

/** The directory, made 0700 when missing; undefined when it is not ours alone. */
function ownDirectory(dir) {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.statSync(dir);
    if (process.getuid && (st.uid !== process.getuid() || (st.mode & 0o022) !== 0)) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

/** The bundle for this command line, with its exports (`run`). */
function load() {
  const base = cacheDirectory();
  const dir = base && ownDirectory(base);
  if (namesStatus(process.argv)) {
    const status = loadBundle('status.cjs', dir);
    if (status.exports.plainStatus(process.argv.slice(2)) !== undefined) return status.use();
  }
  return loadBundle('cli.cjs', dir).use();
}

/**
 * A bundle's exports, and `use()`: the bundle runs the command, so its code cache is written at exit. Not
 * for a status bundle that handed the command line on: data from a run that compiled only the parser would
 * be accepted by every later run, which would then compile the rest of the bundle each time.
 */
function loadBundle(file, dir) {
  const bundle = path.join(__dirname, '..', 'dist', file);
  if (!dir) return asUsed(require(bundle));
  const vm = require('node:vm');
  // Named after this Node and this bundle, so that two installed versions do not overwrite each other's.
  const st = fs.statSync(bundle);
  const name = `${path.basename(bundle, '.cjs')}-${process.version}-${process.arch}-${st.size}-${Math.floor(st.mtimeMs)}.v8cache`;
  const cacheFile = path.join(dir, name);
  const source = fs.readFileSync(bundle, 'utf8');
  let cached;
  try {
    const st = fs.lstatSync(cacheFile);
    if (st.isFile() && (!process.getuid || (st.uid === process.getuid() && (st.mode & 0o022) === 0)))
      cached = fs.readFileSync(cacheFile);
  } catch {
    // none yet
  }
  // The wrapper of Node's CommonJS loader (Module.wrap), written here: loading `node:module` costs half a millisecond.
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
  const script = new vm.Script(wrapped, { filename: bundle, cachedData: cached });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, require, module, bundle, path.dirname(bundle));
  if (cached !== undefined && !script.cachedDataRejected) return asUsed(module.exports);
  return {
    exports: module.exports,
    use: () => {
      writeCodeCache(script, cacheFile, dir);
      return module.exports;
    },
  };
}

const asUsed = (exports) => ({ exports, use: () => exports });

/** Writes the script's code cache at exit: after the run, so the functions it compiled are in the data too. */
function writeCodeCache(script, cacheFile, dir) {
  const name = path.basename(cacheFile);
  process.on('exit', () => {
    const temp = `${cacheFile}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(temp, script.createCachedData(), { mode: 0o600, flag: 'wx' });
      fs.renameSync(temp, cacheFile);
      // Data of other bundles (an upgrade) that no run has used for 30 days goes.
      for (const other of fs.readdirSync(dir)) {
        if (other === name || !/^(cli|status)-.*\.v8cache$/.test(other)) continue;
        const p = path.join(dir, other);
        const st = fs.statSync(p);
        if (Date.now() - Math.max(st.atimeMs, st.mtimeMs) > 30 * 86_400_000) fs.rmSync(p, { force: true });
      }
    } catch {
      fs.rmSync(temp, { force: true });
    }
  });
}

module.exports = { load };

// Node built-ins that most runs never need, loaded on first use. A repeated `status` spawns nothing (the verdict
// cache), hashes nothing and writes no file: loading child_process (with net, stream and dgram behind it),
// crypto and fs/promises (and tty, v8, os) at start-up cost it about 15 ms of a 110 ms floor (npm run bench). `require` is
// Node's in the CommonJS CLI bundle, and made by createRequire in the ESM library (tsup.config.ts).
import type * as ChildProcess from 'node:child_process';
import type * as Crypto from 'node:crypto';
import type * as FsPromises from 'node:fs/promises';
import type * as Os from 'node:os';
import type * as Tty from 'node:tty';
import type * as V8 from 'node:v8';

let childProcess: typeof ChildProcess | undefined;
let crypto: typeof Crypto | undefined;
let fsPromises: typeof FsPromises | undefined;
let os: typeof Os | undefined;
let tty: typeof Tty | undefined;
let v8: typeof V8 | undefined;

/* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use, as described above */
export const childProcessModule = (): typeof ChildProcess =>
  (childProcess ??= require('node:child_process') as typeof ChildProcess);
export const cryptoModule = (): typeof Crypto => (crypto ??= require('node:crypto') as typeof Crypto);
export const fsPromisesModule = (): typeof FsPromises => (fsPromises ??= require('node:fs/promises') as typeof FsPromises);
export const osModule = (): typeof Os => (os ??= require('node:os') as typeof Os);
export const ttyModule = (): typeof Tty => (tty ??= require('node:tty') as typeof Tty);
export const v8Module = (): typeof V8 => (v8 ??= require('node:v8') as typeof V8);
/* eslint-enable @typescript-eslint/no-require-imports */

// How a command is found and started on Windows (commands.md §5.4): the PATH lookup honours PATHEXT (for
// `exec`, and for the verdict cache, which names the git that runs), and a `.cmd` or `.bat` file runs through
// `cmd.exe /d /s /c` with every argument escaped twice (once for the command line, once more because cmd.exe
// reads a batch file's arguments again). Pure: the file system is passed in.
import { win32 } from 'node:path';

export interface Launch {
  readonly file: string;
  readonly args: readonly string[];
  /** cmd.exe gets the line exactly as built here. */
  readonly verbatim: boolean;
}

const DEFAULT_PATHEXT = '.COM;.EXE;.BAT;.CMD';

/** The file a command names, looked up as Windows does, or undefined when there is none. */
export function findWindowsCommand(
  command: string,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  isFile: (candidate: string) => boolean,
): string | undefined {
  const get = (name: string): string | undefined => Object.entries(env).find(([k]) => k.toUpperCase() === name)?.[1];
  const exts = (get('PATHEXT') ?? DEFAULT_PATHEXT)
    .split(';')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const hasKnownExt = exts.some((e) => command.toUpperCase().endsWith(e.toUpperCase()));
  const names = hasKnownExt ? [command] : exts.map((e) => command + e.toLowerCase());
  const explicit = /[\\/]/.test(command) || win32.isAbsolute(command);
  const dirs = explicit ? [''] : [cwd, ...(get('PATH') ?? '').split(';').filter((d) => d !== '')];
  for (const dir of dirs) {
    for (const name of names) {
      const candidate = dir === '' ? win32.resolve(cwd, name) : win32.join(dir, name);
      if (isFile(candidate)) return candidate;
    }
  }
  return undefined;
}

// Characters cmd.exe treats specially; `^` makes each literal.
const CMD_META = /([()\][%!^"`<>&|;, *?])/g;

/** One argument for cmd.exe running a batch file (the rules of cross-spawn, written down). */
export function escapeForCmd(arg: string, batch: boolean): string {
  // Backslashes before a quote (or the end) double, quotes are escaped, the whole is quoted.
  let quoted = arg.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\*)$/, '$1$1');
  quoted = `"${quoted}"`;
  quoted = quoted.replace(CMD_META, '^$1');
  return batch ? quoted.replace(CMD_META, '^$1') : quoted;
}

/** What to spawn for `command args` on Windows: the program itself, or cmd.exe for a batch file. */
export function windowsLaunch(found: string, args: readonly string[], comSpec: string | undefined): Launch {
  if (!/\.(cmd|bat)$/i.test(found)) return { file: found, args, verbatim: false };
  // The program's path: metacharacters escaped, not quoted (cmd.exe would take a quoted path for a title).
  const line = [found.replace(CMD_META, '^$1'), ...args.map((a) => escapeForCmd(a, true))].join(' ');
  return { file: comSpec ?? 'cmd.exe', args: ['/d', '/s', '/c', `"${line}"`], verbatim: true };
}

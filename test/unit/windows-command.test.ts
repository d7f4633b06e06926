// `exec` on Windows (commands.md §5.4), as pure functions: the PATHEXT lookup and the cmd.exe line for batch
// files. Windows itself is not available here; the escaping follows cross-spawn's, which Node tools rely on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeForCmd, findWindowsCommand, windowsLaunch } from '../../src/lib/windows-command.js';

const files = new Set(['C:\\tools\\gemini.cmd', 'C:\\bin\\node.exe', 'C:\\work\\run.bat', 'C:\\work\\local.exe']);
const isFile = (p: string): boolean => files.has(p);
const env = { Path: 'C:\\bin;C:\\tools', PATHEXT: '.COM;.EXE;.BAT;.CMD' };

describe('exec on Windows', () => {
  it('finds a command through PATH and PATHEXT, the current directory first, any case of the variable names', () => {
    expect(findWindowsCommand('gemini', env, 'C:\\work', isFile)).toBe('C:\\tools\\gemini.cmd');
    expect(findWindowsCommand('node', env, 'C:\\work', isFile)).toBe('C:\\bin\\node.exe');
    expect(findWindowsCommand('local', env, 'C:\\work', isFile)).toBe('C:\\work\\local.exe');
    expect(findWindowsCommand('node.exe', env, 'C:\\work', isFile)).toBe('C:\\bin\\node.exe');
    expect(findWindowsCommand('.\\run', env, 'C:\\work', isFile)).toBe('C:\\work\\run.bat');
    expect(findWindowsCommand('missing', env, 'C:\\work', isFile)).toBeUndefined();
    // Without PATHEXT the default list is used.
    expect(findWindowsCommand('gemini', { PATH: 'C:\\tools' }, 'C:\\work', isFile)).toBe('C:\\tools\\gemini.cmd');
  });

  it('runs an .exe directly and a .cmd through cmd.exe /d /s /c with every argument escaped for a batch file', () => {
    expect(windowsLaunch('C:\\bin\\node.exe', ['-e', 'x'], undefined)).toEqual({
      file: 'C:\\bin\\node.exe',
      args: ['-e', 'x'],
      verbatim: false,
    });
    const launch = windowsLaunch('C:\\tools\\gemini.cmd', ['-p', 'a & b', 'say "hi"'], 'C:\\Windows\\system32\\cmd.exe');
    expect(launch.file).toBe('C:\\Windows\\system32\\cmd.exe');
    expect(launch.verbatim).toBe(true);
    expect(launch.args.slice(0, 3)).toEqual(['/d', '/s', '/c']);
    expect(launch.args[3]).toBe('"C:\\tools\\gemini.cmd ^^^"-p^^^" ^^^"a^^^ ^^^&^^^ b^^^" ^^^"say^^^ \\^^^"hi\\^^^"^^^""');
  });

  it('any argument survives cmd.exe (one caret pass, two for a batch file) and the C runtime argument rules', () => {
    // cmd.exe removes one level of ^ (no quote is left unescaped, so it sees none); then the program splits its
    // command line by the Microsoft C runtime's rules: 2n backslashes + quote -> n and a delimiter, 2n+1 -> n + ".
    const uncaret = (line: string): string => line.replace(/\^(.)/g, '$1');
    const crt = (line: string): string[] => {
      const out: string[] = [];
      let cur = '';
      let inQuotes = false;
      let started = false;
      let i = 0;
      while (i < line.length) {
        const c = line[i]!;
        if (c === '\\') {
          let n = 0;
          while (line[i] === '\\') {
            n++;
            i++;
          }
          if (line[i] === '"') {
            cur += '\\'.repeat(Math.floor(n / 2));
            if (n % 2 === 1) {
              cur += '"';
              i++;
            }
          } else cur += '\\'.repeat(n);
          started = true;
          continue;
        }
        i++;
        if (c === '"') {
          inQuotes = !inQuotes;
          started = true;
        } else if ((c === ' ' || c === '\t') && !inQuotes) {
          if (started) out.push(cur);
          cur = '';
          started = false;
        } else {
          cur += c;
          started = true;
        }
      }
      if (started) out.push(cur);
      return out;
    };
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom('a', ' ', '"', '\\', '%', '^', '&', '|', '(', ')', '!', '<', '>', ',', ';', '*', '?', 'é'),
        }),
        (arg) => {
          expect(crt(uncaret(escapeForCmd(arg, false)))).toEqual([arg]);
          expect(crt(uncaret(uncaret(escapeForCmd(arg, true))))).toEqual([arg]);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('escapes as cross-spawn does: quotes, trailing backslashes, metacharacters once or twice', () => {
    expect(escapeForCmd('plain', false)).toBe('^"plain^"');
    expect(escapeForCmd('a"b', false)).toBe('^"a\\^"b^"');
    expect(escapeForCmd('dir\\', false)).toBe('^"dir\\\\^"');
    expect(escapeForCmd('100%', true)).toBe('^^^"100^^^%^^^"');
  });
});

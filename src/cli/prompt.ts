// Reading a secret from a person: a hidden prompt at the terminal (no echo; Enter ends, Backspace edits,
// Ctrl-C interrupts), or stdin to its end for `--with-token`.
import { LlmAuthError } from '../lib/errors.js';
import type { InputStream, OutputStream } from '../lib/runtime.js';

/** More than this on stdin is not a token. */
const MAX_STDIN_BYTES = 64 * 1024;

type RawInput = InputStream & { setRawMode?: (mode: boolean) => unknown };

const interrupted = (): LlmAuthError => new LlmAuthError('interrupted', { kind: 'interrupted' });

/** Feeds typed characters into the line being read; returns 'done', 'interrupt' or undefined (more to come). */
export function editLine(state: { value: string; escape: string }, input: string): 'done' | 'interrupt' | undefined {
  for (const ch of input) {
    // An escape sequence (arrow keys, bracketed paste markers): skipped up to its final byte.
    if (state.escape !== '') {
      state.escape += ch;
      if (state.escape.length > 2 && /[@-~]/.test(ch)) state.escape = '';
      else if (state.escape.length === 2 && ch !== '[' && ch !== 'O') state.escape = '';
      continue;
    }
    if (ch === '\x1b') state.escape = ch;
    else if (ch === '\r' || ch === '\n') return 'done';
    else if (ch === '\x03') return 'interrupt';
    else if (ch === '\x04') {
      if (state.value === '') return 'done';
    } else if (ch === '\x7f' || ch === '\b') state.value = Array.from(state.value).slice(0, -1).join('');
    else if (ch === '\x15') state.value = '';
    else if (ch >= ' ') state.value += ch;
  }
  return undefined;
}

/** Shows `prompt` on stderr and reads one line from the terminal without echoing it. */
export function readHidden(stdin: InputStream, stderr: OutputStream, prompt: string): Promise<string> {
  const input = stdin as RawInput;
  // Echo goes off before the prompt shows: a token pasted the moment it appears is never echoed.
  input.setRawMode?.(true);
  stderr.write(prompt);
  return new Promise((resolve, reject) => {
    const state = { value: '', escape: '' };
    const finish = (outcome: 'done' | 'interrupt'): void => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.setRawMode?.(false);
      input.pause();
      stderr.write('\n');
      if (outcome === 'done') resolve(state.value);
      else reject(interrupted());
    };
    const onData = (chunk: Buffer | string): void => {
      const outcome = editLine(state, chunk.toString());
      if (outcome) finish(outcome);
    };
    const onEnd = (): void => finish('done');
    input.on('data', onData);
    input.on('end', onEnd);
    input.resume();
  });
}

/** stdin to its end, as text; more than 64 KiB is refused. */
export async function readAll(stdin: InputStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > MAX_STDIN_BYTES) throw new LlmAuthError('stdin holds more than 64 KiB, which is no key or token');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

// stdout and stderr of the CLI process, written with writeSync: creating `process.stdout` (a net.Socket for a
// pipe, a tty.WriteStream for a terminal) cost `status` about 6 ms at start-up, for one write. The stream is
// still made when it is needed: when the descriptor is non-blocking and full (EAGAIN: a slow reader on a
// pipe another process made non-blocking), the rest goes through it, in order, and run() waits for it to drain.
import { writeSync } from 'node:fs';
import { ttyModule } from '../lib/builtins.js';
import type { OutputStream } from '../lib/runtime.js';

type WriteCallback = (error?: Error | null) => void;

export class FdWriter {
  private stream: NodeJS.WriteStream | undefined;
  private tty: boolean | undefined;

  /**
   * `stream` makes the process's stream on first call; `onBrokenPipe` is called when the reader went away
   * (EPIPE: `llm-auth status | head -1`).
   */
  constructor(
    readonly fd: number,
    private readonly makeStream: () => NodeJS.WriteStream,
    private readonly onBrokenPipe: () => void,
    private readonly writeTo: typeof writeSync = writeSync,
  ) {}

  get isTTY(): boolean {
    return (this.tty ??= ttyModule().isatty(this.fd));
  }

  write(chunk: string | Uint8Array, encodingOrCallback?: BufferEncoding | WriteCallback, callback?: WriteCallback): boolean {
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (this.stream) return this.stream.write(chunk, done);
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let offset = 0;
    try {
      while (offset < bytes.length) offset += this.writeTo(this.fd, bytes, offset, bytes.length - offset);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') {
        this.onBrokenPipe();
        return true;
      }
      if (code !== 'EAGAIN') throw err;
      this.stream = this.makeStream();
      return this.stream.write(bytes.subarray(offset), done);
    }
    done?.();
    return true;
  }

  /** Resolves when everything written is out (at once, unless the stream took over). */
  drained(): Promise<void> {
    const stream = this.stream;
    return stream ? new Promise((resolve) => stream.write('', () => resolve())) : Promise.resolve();
  }
}

/** The writer as the Runtime's stream type: only write and isTTY are ever used on it. */
export const asOutputStream = (w: FdWriter): OutputStream => w as unknown as OutputStream;

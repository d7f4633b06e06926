// The CLI's synchronous stdout and stderr (src/cli/fd-writer.ts): whole writes, the stream taking over on
// EAGAIN with nothing lost or reordered, EPIPE handed to the caller.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FdWriter } from '../../src/cli/fd-writer.js';

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _e: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });

describe('FdWriter', () => {
  it('writes everything with short writes, in order, and calls back', () => {
    let out = '';
    const w = new FdWriter(
      1,
      () => new Sink() as unknown as NodeJS.WriteStream,
      () => undefined,
      ((_fd: number, b: Uint8Array, off: number) => {
        const n = Math.min(3, b.length - off);
        out += Buffer.from(b.subarray(off, off + n)).toString();
        return n;
      }) as never,
    );
    let called = false;
    w.write('héllo world\n', () => (called = true));
    expect(out).toBe('héllo world\n');
    expect(called).toBe(true);
  });

  it('on EAGAIN the rest goes through the stream, and later writes follow it there', async () => {
    let out = '';
    let calls = 0;
    const sink = new Sink();
    const w = new FdWriter(
      1,
      () => sink as unknown as NodeJS.WriteStream,
      () => undefined,
      ((_fd: number, b: Uint8Array, off: number) => {
        if (++calls > 1) throw errno('EAGAIN');
        out += Buffer.from(b.subarray(off, off + 4)).toString();
        return 4;
      }) as never,
    );
    w.write('0123456789');
    w.write('abc');
    await w.drained();
    expect(out + sink.text).toBe('0123456789abc');
    expect(sink.text).toBe('456789abc');
  });

  it('EPIPE calls onBrokenPipe; other errors are thrown', () => {
    let broken = 0;
    const w = new FdWriter(
      1,
      () => new Sink() as unknown as NodeJS.WriteStream,
      () => broken++,
      () => {
        throw errno('EPIPE');
      },
    );
    w.write('x');
    expect(broken).toBe(1);
    const bad = new FdWriter(
      1,
      () => new Sink() as unknown as NodeJS.WriteStream,
      () => undefined,
      () => {
        throw errno('EIO');
      },
    );
    expect(() => bad.write('x')).toThrow('EIO');
  });
});

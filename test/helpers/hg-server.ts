// Mercurial's command server (`hg serve --cmdserver pipe`): one Python process answers many commands, each
// with its own --cwd. The real hg, without its start-up of about 250 ms per command; used by the
// differential tests that ask hg the same question for many repositories.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

type Message = [channel: string, data: Buffer];

export interface HgAnswer {
  code: number;
  out: string;
  err: string;
}

export class HgCommandServer {
  private buffer = Buffer.alloc(0);
  private readonly queue: Message[] = [];
  private readonly waiters: Array<(m: Message) => void> = [];
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (d: Buffer) => this.receive(d));
  }

  /** Starts the server in `cwd` (not a repository: each command names its own with --cwd). */
  static async start(cwd: string): Promise<HgCommandServer> {
    const child = spawn('hg', ['serve', '--cmdserver', 'pipe'], {
      cwd,
      env: { PATH: process.env.PATH, HOME: cwd, HGPLAIN: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const server = new HgCommandServer(child);
    const [channel, hello] = await server.next();
    if (channel !== 'o' || !hello.toString().includes('runcommand')) throw new Error('hg command server: no hello');
    return server;
  }

  /** Runs one command (one at a time: the protocol is a conversation). */
  run(args: readonly string[]): Promise<HgAnswer> {
    const result = this.chain.then(() => this.exchange(args));
    this.chain = result.catch(() => undefined);
    return result;
  }

  close(): void {
    this.child.stdin.end();
  }

  private async exchange(args: readonly string[]): Promise<HgAnswer> {
    const payload = Buffer.from(args.join('\0'));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(payload.length);
    this.child.stdin.write(Buffer.concat([Buffer.from('runcommand\n'), length, payload]));
    let out = '';
    let err = '';
    for (;;) {
      const [channel, data] = await this.next();
      if (channel === 'o') out += data.toString();
      else if (channel === 'e') err += data.toString();
      else if (channel === 'r') return { code: data.readInt32BE(0), out, err };
      else throw new Error(`hg command server: unexpected channel ${channel}`);
    }
  }

  /** Messages are a channel byte and a big-endian length; input requests (I, L) carry no data. */
  private receive(data: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, data]);
    while (this.buffer.length >= 5) {
      const channel = String.fromCharCode(this.buffer[0]!);
      const size = channel === 'I' || channel === 'L' ? 0 : this.buffer.readUInt32BE(1);
      if (this.buffer.length < 5 + size) return;
      const message: Message = [channel, this.buffer.subarray(5, 5 + size)];
      this.buffer = this.buffer.subarray(5 + size);
      const waiter = this.waiters.shift();
      if (waiter) waiter(message);
      else this.queue.push(message);
    }
  }

  private next(): Promise<Message> {
    const queued = this.queue.shift();
    return queued ? Promise.resolve(queued) : new Promise((resolve) => this.waiters.push(resolve));
  }
}

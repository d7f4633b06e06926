// A loopback HTTP server for tests: bound to 127.0.0.1 on an ephemeral port, recording every request and
// answering from per-route script queues before falling back to a route's default behaviour.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  rawBody: string;
  /** The body parsed as JSON, or as a form, when it is one. */
  body: unknown;
  /** Arrival time in ms, by the server's `now` (monotonic, or a test's fake clock). */
  at: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Waits before answering. */
  delayMs?: number;
  /** Never answers (the client must give up by itself). */
  hang?: boolean;
  /** Writes the body in these pieces, with a pause between them. */
  chunks?: string[];
  /** Drops the connection without answering (a reset). */
  destroy?: boolean;
}

export type Handler = (req: RecordedRequest) => Reply | Promise<Reply>;

export class FakeServer {
  readonly requests: RecordedRequest[] = [];
  private readonly scripts = new Map<string, Reply[]>();
  private readonly routes: Array<{ method: string; pattern: RegExp; handler: Handler }> = [];
  private server: http.Server | undefined;
  port = 0;
  /** The clock arrival times are taken from; an in-process test with a fake clock sets its own. */
  now: () => number = () => performance.now();

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  route(method: string, pattern: RegExp, handler: Handler): void {
    this.routes.push({ method, pattern, handler });
  }

  /**
   * Queues replies for `METHOD /path` (exact path, query excluded); each is used once, within the test that
   * queued it: what is left when the test ends (a process that gave up before asking) is dropped, so that a
   * hang meant for one test never answers the next test's request.
   */
  script(route: string, ...replies: Reply[]): void {
    const queue = this.scripts.get(route) ?? [];
    queue.push(...replies);
    this.scripts.set(route, queue);
    onTestFinished(() => this.scripts.clear());
  }

  requestsTo(route: string): RecordedRequest[] {
    return this.requests.filter((r) => `${r.method} ${r.path.split('?')[0]}` === route);
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.handle(req, Buffer.concat(chunks).toString('utf8'), res);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  private async handle(req: http.IncomingMessage, rawBody: string, res: http.ServerResponse): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : (v ?? '');
    let body: unknown = rawBody;
    const type = headers['content-type'] ?? '';
    if (type.includes('application/json')) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = rawBody;
      }
    } else if (type.includes('application/x-www-form-urlencoded')) {
      body = Object.fromEntries(new URLSearchParams(rawBody));
    }
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers,
      rawBody,
      body,
      at: this.now(),
    };
    this.requests.push(recorded);
    const key = `${recorded.method} ${recorded.path.split('?')[0]}`;
    const queued = this.scripts.get(key)?.shift();
    let reply: Reply;
    if (queued) reply = queued;
    else {
      const route = this.routes.find((r) => r.method === recorded.method && r.pattern.test(recorded.path.split('?')[0]!));
      reply = route
        ? await route.handler(recorded)
        : { status: 404, body: '{"error":"no such route"}', headers: { 'content-type': 'application/json' } };
    }
    if (reply.hang) return;
    if (reply.destroy) {
      req.socket.destroy();
      return;
    }
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    res.writeHead(reply.status, reply.headers ?? {});
    if (reply.chunks) {
      for (const chunk of reply.chunks) {
        res.write(chunk);
        await new Promise((r) => setTimeout(r, 5));
      }
      res.end();
    } else res.end(reply.body ?? '');
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

export const json = (status: number, value: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof value === 'string' ? value : JSON.stringify(value),
});

/** A port on 127.0.0.1 where nothing listens (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The HTTP side of `tenure leader --http host:port` (node:http), for Kubernetes and load
 * balancers:
 *
 *   GET /leader   200, JSON: { id, term, since, leading, candidate }
 *   GET /healthz  200 while the campaign is healthy, else 503 with the reason (liveness)
 *   GET /readyz   200 only while this process leads, else 503 (readiness: a Service that
 *                 routes to the leader)
 *   GET /events   server-sent events: `event: leader` with the /leader JSON, at once and
 *                 on every change
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError } from 'commander';
import type { LeaderState, LeaderView } from './leader-state.js';

export interface Listen {
  readonly host: string;
  readonly port: number;
}

/** `host:port`, `:port` (every interface) or `[::1]:port`; port 0 picks a free one. */
export function parseListen(text: string): Listen {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(text.trim());
  if (m === null || Number(m[3]) > 65535) throw new InvalidArgumentError('Expected host:port, like 127.0.0.1:8080 or :8080.');
  return { host: m[1] ?? (m[2] === '' ? '0.0.0.0' : m[2]!), port: Number(m[3]) };
}

export class LeaderHttp {
  readonly #state: LeaderState;
  readonly #server: Server;
  readonly #streams = new Set<ServerResponse>();
  readonly #offChange: () => void;
  readonly #heartbeat: NodeJS.Timeout;

  constructor(state: LeaderState) {
    this.#state = state;
    this.#server = createServer((req, res) => this.#handle(req, res));
    const onChange = (view: LeaderView): void => {
      for (const res of this.#streams) send(res, view);
    };
    state.on('change', onChange);
    this.#offChange = () => state.off('change', onChange);
    // A comment line now and then keeps proxies from closing an idle event stream.
    this.#heartbeat = setInterval(() => {
      for (const res of this.#streams) res.write(': keep-alive\n\n');
    }, 15_000);
    this.#heartbeat.unref();
  }

  /** Listens; resolves with the address it serves, as `http://host:port`. */
  listen(at: Listen): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(at.port, at.host, () => {
        this.#server.off('error', reject);
        const a = this.#server.address() as AddressInfo;
        resolve(`http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
      });
    });
  }

  async close(): Promise<void> {
    this.#offChange();
    clearInterval(this.#heartbeat);
    for (const res of this.#streams) res.end();
    this.#streams.clear();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'only GET\n', { allow: 'GET, HEAD' });
    if (path === '/leader') return reply(res, 200, `${JSON.stringify(this.#state.view)}\n`, { 'content-type': 'application/json' });
    if (path === '/healthz') {
      const problem = this.#state.health();
      return reply(res, problem === null ? 200 : 503, `${problem ?? 'ok'}\n`);
    }
    if (path === '/readyz') return this.#state.ready ? reply(res, 200, 'leader\n') : reply(res, 503, 'not the leader\n');
    if (path === '/events') return this.#events(res);
    reply(res, 404, 'not found: try /leader, /healthz, /readyz or /events\n');
  }

  #events(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    send(res, this.#state.view);
    this.#streams.add(res);
    res.on('close', () => this.#streams.delete(res));
  }
}

function send(res: ServerResponse, view: LeaderView): void {
  res.write(`event: leader\ndata: ${JSON.stringify(view)}\n\n`);
}

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

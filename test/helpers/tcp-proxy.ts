/**
 * Test rig: a small TCP proxy in front of one (loopback) Redis instance, for
 * fault injection — latency, blackholing, refusing and dropping connections.
 */
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** `redis://127.0.0.1:${port}` */
  readonly url: string;
  /** Delay every chunk in BOTH directions by `ms` (order preserved per direction). */
  setLatency(ms: number): void;
  /** On: accept connections but silently drop all data both ways. Off: new data flows again. */
  blackhole(on: boolean): void;
  /** On: destroy existing connections and reset new incoming ones immediately. */
  refuse(on: boolean): void;
  /** Destroy all current client + upstream sockets. */
  dropConnections(): void;
  /** Currently open client connections. */
  readonly connections: number;
  /** Stop listening and destroy all sockets. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** One queued item: a data chunk, or `null` meaning "end the destination". */
interface QueueItem {
  due: number;
  data: Buffer | null;
}

/** Order-preserving delayed forwarder for one direction of one connection. */
class DelayLine {
  private readonly queue: QueueItem[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly proxy: ProxyImpl,
    private readonly dest: net.Socket,
  ) {}

  push(data: Buffer | null): void {
    const latency = this.proxy.latencyMs;
    if (this.queue.length === 0 && latency <= 0) {
      this.deliver(data);
      return;
    }
    this.queue.push({ due: performance.now() + latency, data });
    this.pump();
  }

  private pump(): void {
    if (this.timer !== undefined) return;
    for (;;) {
      const head = this.queue[0];
      if (head === undefined) return;
      const wait = head.due - performance.now();
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, Math.ceil(wait));
        return;
      }
      this.queue.shift();
      this.deliver(head.data);
    }
  }

  private deliver(data: Buffer | null): void {
    if (this.dest.destroyed || this.proxy.blackholed) return;
    if (data === null) this.dest.end();
    else this.dest.write(data);
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}

/** A client socket and its upstream socket. */
class Pair {
  private readonly toUpstream: DelayLine;
  private readonly toClient: DelayLine;
  /** A side went away while blackholed: tear the pair down when the blackhole lifts. */
  peerGone = false;

  constructor(
    proxy: ProxyImpl,
    readonly client: net.Socket,
    readonly upstream: net.Socket,
  ) {
    this.toUpstream = new DelayLine(proxy, upstream);
    this.toClient = new DelayLine(proxy, client);
    client.setNoDelay(true);
    upstream.setNoDelay(true);

    const wire = (src: net.Socket, line: DelayLine, other: net.Socket): void => {
      let gotFin = false;
      src.on('data', (chunk: Buffer) => {
        if (!proxy.blackholed) line.push(chunk);
      });
      src.on('end', () => {
        gotFin = true;
        // Half-close travels like data (after what is queued); a blackhole swallows it.
        if (proxy.blackholed) this.peerGone = true;
        else line.push(null);
      });
      src.on('error', () => this.destroy());
      src.on('close', (hadError) => {
        if (hadError) this.destroy();
        else if (proxy.blackholed) this.peerGone = true;
        else if (!gotFin) other.destroy(); // destroyed locally, no FIN to forward
      });
    };
    wire(client, this.toUpstream, upstream);
    wire(upstream, this.toClient, client);
  }

  destroy(): void {
    this.toUpstream.clear();
    this.toClient.clear();
    this.client.destroy();
    this.upstream.destroy();
  }

  /** Like destroy(), but the client gets an RST. */
  reset(): void {
    this.toUpstream.clear();
    this.toClient.clear();
    resetSocket(this.client);
    this.upstream.destroy();
  }
}

class ProxyImpl implements TcpProxy {
  latencyMs = 0;
  blackholed = false;
  private refusing = false;
  private readonly pairs = new Set<Pair>();
  private readonly clients = new Set<net.Socket>();
  private closing: Promise<void> | undefined;
  port = 0;

  constructor(
    private readonly server: net.Server,
    private readonly target: { host: string; port: number },
  ) {
    server.on('connection', (sock) => this.onConnection(sock));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get connections(): number {
    return this.clients.size;
  }

  private onConnection(client: net.Socket): void {
    if (this.refusing || this.closing) {
      client.on('error', () => undefined);
      resetSocket(client);
      return;
    }
    this.clients.add(client);
    client.once('close', () => this.clients.delete(client));
    const upstream = net.connect({ host: this.target.host, port: this.target.port });
    const pair = new Pair(this, client, upstream);
    this.pairs.add(pair);
    const forget = (): void => {
      if (client.destroyed && upstream.destroyed) this.pairs.delete(pair);
    };
    client.once('close', forget);
    upstream.once('close', forget);
  }

  setLatency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latency must be >= 0, got ${ms}`);
    this.latencyMs = ms;
  }

  blackhole(on: boolean): void {
    this.blackholed = on;
    if (!on) {
      for (const p of this.pairs) if (p.peerGone) p.destroy();
    }
  }

  refuse(on: boolean): void {
    this.refusing = on;
    if (on) {
      for (const p of this.pairs) p.reset();
    }
  }

  dropConnections(): void {
    for (const p of this.pairs) p.destroy();
    for (const c of this.clients) c.destroy();
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.dropConnections();
    });
    return this.closing;
  }
}

function resetSocket(sock: net.Socket): void {
  if (typeof sock.resetAndDestroy === 'function') {
    try {
      sock.resetAndDestroy();
      return;
    } catch {
      // fall through
    }
  }
  sock.destroy();
}

/** Start a proxy on 127.0.0.1 (random port) forwarding to a loopback `target`. */
export async function startProxy(target: { host?: string; port: number }): Promise<TcpProxy> {
  const host = target.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) throw new Error(`tcp-proxy only forwards to loopback targets, got ${host}`);
  if (!Number.isInteger(target.port) || target.port <= 0 || target.port > 65535) {
    throw new RangeError(`invalid target port ${target.port}`);
  }
  const server = net.createServer();
  const proxy = new ProxyImpl(server, { host, port: target.port });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') {
    server.close();
    throw new Error('tcp-proxy: could not determine listening port');
  }
  proxy.port = addr.port;
  return proxy;
}

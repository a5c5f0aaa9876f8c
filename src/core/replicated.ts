/**
 * A replicated set without Sentinel (RedLock.net's `RedLockEndPoint.EndPoints`): the URLs of a
 * master and its replicas, one vote. The connection goes to whichever server says `master` to
 * ROLE, and follows a failover: a server that answers a write with READONLY (demoted), or a
 * connection that drops (the master died), makes the connection look again, and a server
 * that no longer says `role:master` when the connection becomes ready is left for the next.
 *
 * What it does not do: decide between two servers that both say master (a promoted replica
 * while the old master still runs unfenced) — the first in the list wins until it is demoted.
 * As with Sentinel, a failover can forget a lock the old master granted and had not yet
 * replicated: `replicaSync` (WAIT) closes that window.
 */
import { connect as tcp, type Socket } from 'node:net';
import { connect as tls } from 'node:tls';
import { AbstractConnector, Redis, type RedisOptions } from 'ioredis';

export interface Node {
  readonly host: string;
  readonly port: number;
}

interface MasterOptions extends RedisOptions {
  readonly replicaNodes: readonly Node[];
}

/** Options for an ioredis `Redis` that connects to the master among `nodes`. */
export function masterOf(nodes: readonly Node[], options: RedisOptions): RedisOptions {
  const o: MasterOptions = {
    ...options,
    replicaNodes: nodes,
    Connector: MasterConnector,
    // A demoted master answers writes with READONLY: reconnect (and look for the master again).
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 1 : false),
  };
  return o;
}

class MasterConnector extends AbstractConnector {
  readonly #options: MasterOptions;
  /** Where the master was last found: asked first. */
  #last = 0;

  constructor(options: unknown) {
    const o = options as MasterOptions; // (ioredis passes the Redis's own options)
    super(2_000);
    this.#options = o;
  }

  override check(info: { role?: string }): boolean {
    return info.role === undefined || info.role === 'master';
  }

  override async connect(): Promise<Socket> {
    this.connecting = true;
    const nodes = this.#options.replicaNodes;
    const roles = await Promise.all(nodes.map((node) => roleOf(node, this.#options)));
    if (!this.connecting) throw new Error('Connection is closed.');
    const order = nodes.map((_, i) => (this.#last + i) % nodes.length);
    const master = order.find((i) => roles[i] === 'master');
    if (master === undefined) {
      const seen = nodes.map((n, i) => `${n.host}:${n.port} ${roles[i]}`).join(', ');
      throw new Error(`no master among the replicated set (${seen})`);
    }
    this.#last = master;
    const { host, port } = nodes[master]!;
    const stream = this.#options.tls ? tls({ host, port, ...this.#options.tls }) : tcp({ host, port });
    stream.once('error', (error: Error) => (this.firstError = error));
    this.stream = stream;
    return stream;
  }
}

/** What ROLE says on `node` ('master', 'slave', ...), or 'unreachable'. */
async function roleOf(node: Node, o: RedisOptions): Promise<string> {
  const probe = new Redis({
    host: node.host,
    port: node.port,
    username: o.username,
    password: o.password,
    tls: o.tls,
    connectTimeout: o.connectTimeout ?? 1_000,
    commandTimeout: o.connectTimeout ?? 1_000,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableReadyCheck: false,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    const role = (await probe.call('ROLE')) as unknown[];
    return typeof role[0] === 'string' ? role[0] : 'unknown';
  } catch {
    return 'unreachable';
  } finally {
    probe.disconnect();
  }
}

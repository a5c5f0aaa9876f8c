/**
 * Endpoints: what the user passes (URLs, ioredis clients, Sentinel or Cluster descriptions)
 * turned into Instances, each one vote. Tenure owns and closes the connections it opens;
 * it borrows the clients it is given and never closes, reconfigures or patches them.
 */
import { isIP } from 'node:net';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { show } from '../args.js';
import type { Clock } from './monotonic.js';
import {
  borrow,
  clusterLabel,
  isBorrowable,
  isClassInstance,
  unknownClient,
  wrapperLabel,
  type BorrowedClient,
} from './adapters/borrow.js';
import { Instance, isCluster, type RedisLike } from './instance.js';
import type { Monitor } from './monitor.js';
import { masterOf } from './replicated.js';

export { Instance, isCluster, type RedisLike } from './instance.js';
export type { BorrowedClient, GlideLike, NodeRedisLike } from './adapters/adapt.js';

/** One vote, described in full. Exactly one of `url`, `client`, `sentinels`, `cluster`, `servers`. */
export interface Endpoint {
  /** `redis://[:password@]host:port[/db]`, or `rediss://` for TLS. */
  url?: string;
  /**
   * A client you connected — ioredis 5/6 or iovalkey `Redis`/`Cluster`, node-redis
   * `createClient()`/`createCluster()` (redis 5/6), Valkey GLIDE — borrowed, never closed.
   */
  client?: BorrowedClient;
  /** A Sentinel-managed master: the sentinels to ask, and `name`, the master's name. */
  sentinels?: Array<{ host: string; port: number }>;
  /** The master name for `sentinels`. */
  name?: string;
  /** A Redis Cluster's seed nodes (URLs or host/port); the whole cluster is one vote. */
  cluster?: Array<string | { host: string; port: number }>;
  /**
   * A replicated set without Sentinel: the URLs of its master and replicas (auth, db and TLS
   * from the first). One vote, on whichever server ROLE says is the master; a failover is
   * followed (see core/replicated.ts).
   */
  servers?: string[];
  /** Extra ioredis options for connections Tenure opens for this endpoint. */
  redisOptions?: RedisOptions;
  /** The label used in errors and `inspect` (defaults to the URL without password). */
  label?: string;
}

export type EndpointInput = string | BorrowedClient | Endpoint;

export interface ConnectOptions {
  readonly commandTimeout: number;
  /** ioredis `enableAutoPipelining` on the connections Tenure opens (never on borrowed clients). */
  readonly autoPipelining: boolean;
  readonly clock: Clock;
  readonly monitor: Monitor;
}

/** Validates every endpoint (no network) and opens the connections Tenure owns. */
export function createInstances(endpoints: unknown, options: ConnectOptions): Instance[] {
  // One endpoint (a URL, a client, an endpoint object) or an array of them.
  if (typeof endpoints === 'string' || (typeof endpoints === 'object' && endpoints !== null && !Array.isArray(endpoints))) {
    endpoints = [endpoints];
  }
  if (!Array.isArray(endpoints)) {
    throw new TypeError(`Expected \`endpoints\` to be an array of URLs, clients or endpoint objects, got ${show(endpoints)}`);
  }
  if (endpoints.length === 0) throw new RangeError('Expected `endpoints` to list at least one Redis endpoint, got an empty array');
  const specs = endpoints.map((e: unknown, i) => validate(e, `endpoints[${i}]`));
  const labels = new Set<string>();
  for (const [i, spec] of specs.entries()) {
    if (labels.has(spec.label)) throw new RangeError(`Expected distinct endpoints, got ${spec.label} twice (endpoints[${i}])`);
    labels.add(spec.label);
  }
  options.monitor.servers = specs.length;
  return specs.map((spec) => connect(spec, options));
}

interface ValidSpec {
  readonly label: string;
  readonly make?: (extra: RedisOptions) => RedisLike;
  readonly client?: RedisLike;
}

function validate(e: unknown, name: string): ValidSpec {
  if (typeof e === 'string') return fromUrl(e, name, undefined, undefined);
  if (isBorrowable(e)) {
    const client = borrow(e, name);
    return { label: clientLabel(client, name), client };
  }
  if (typeof e !== 'object' || e === null) {
    throw new TypeError(`Expected \`${name}\` to be a redis:// URL, a client or an endpoint object, got ${show(e)}`);
  }
  // An object of some class is a client (an Endpoint is a plain object): one Tenure does not know.
  if (isClassInstance(e) && !['url', 'client', 'sentinels', 'cluster'].some((k) => k in e)) throw unknownClient(name, e);
  const spec = e as Endpoint;
  for (const key of Object.keys(spec)) {
    if (!['url', 'client', 'sentinels', 'name', 'cluster', 'servers', 'redisOptions', 'label'].includes(key)) {
      throw new TypeError(`Unknown option \`${name}.${key}\`; known: url, client, sentinels, name, cluster, servers, redisOptions, label`);
    }
  }
  const kinds = (['url', 'client', 'sentinels', 'cluster', 'servers'] as const).filter((k) => spec[k] !== undefined);
  if (kinds.length !== 1) {
    throw new TypeError(
      `Expected \`${name}\` to have exactly one of url, client, sentinels, cluster, servers; got ${kinds.length === 0 ? 'none' : kinds.join(', ')}`,
    );
  }
  if (spec.label !== undefined && (typeof spec.label !== 'string' || spec.label === '')) {
    throw new TypeError(`Expected \`${name}.label\` to be a non-empty string, got ${show(spec.label)}`);
  }
  const extra = spec.redisOptions ?? {};
  if (spec.url !== undefined) return fromUrl(spec.url, `${name}.url`, spec.label, extra);
  if (spec.servers !== undefined) return fromServers(spec.servers, `${name}.servers`, spec.label, extra);
  if (spec.client !== undefined) {
    const client = borrow(spec.client, `${name}.client`);
    return { label: spec.label ?? clientLabel(client, name), client };
  }
  if (spec.sentinels !== undefined) return fromSentinels(spec, spec.sentinels, name, extra);
  return fromCluster(spec.cluster ?? [], name, spec.label, extra);
}

/** A Sentinel-managed master: `spec.name` at `sentinels`. */
function fromSentinels(spec: Endpoint, list: NonNullable<Endpoint['sentinels']>, name: string, extra: RedisOptions): ValidSpec {
  const sentinels = hostPorts(list, `${name}.sentinels`);
  if (typeof spec.name !== 'string' || spec.name === '') {
    throw new TypeError(`Expected \`${name}.name\` (the Sentinel master name) to be a non-empty string, got ${show(spec.name)}`);
  }
  const master = spec.name;
  const label = spec.label ?? `sentinel://${sentinels.map((s) => `${s.host}:${s.port}`).join(',')}/${master}`;
  return { label, make: (base) => new Redis({ ...base, ...extra, sentinels, name: master }) };
}

/** A Redis Cluster from its seed nodes (one vote for the whole cluster). */
function fromCluster(seeds: NonNullable<Endpoint['cluster']>, name: string, label: string | undefined, extra: RedisOptions): ValidSpec {
  const nodes = seeds.map((n, i) =>
    typeof n === 'string' ? parseUrl(n, `${name}.cluster[${i}]`).node : hostPorts([n], `${name}.cluster[${i}]`)[0]!,
  );
  if (nodes.length === 0) throw new RangeError(`Expected \`${name}.cluster\` to list at least one node`);
  return {
    label: label ?? `cluster://${nodes.map((n) => `${n.host}:${n.port}`).join(',')}`,
    make: (base) => {
      const redisOptions = { ...base, ...extra };
      return new Cluster(nodes, {
        enableOfflineQueue: false,
        // Auto-pipelining is a Cluster option (the node connections' own one is unused).
        enableAutoPipelining: redisOptions.enableAutoPipelining ?? false,
        clusterRetryStrategy: base.retryStrategy,
        redisOptions,
      });
    },
  };
}

/**
 * The TLS server name of a host: a name is sent (SNI) and the certificate checked against it;
 * an IP address is not sent (RFC 6066 allows names only: Node warns, DEP0123), and the
 * certificate is checked against the address the connection goes to.
 */
function sni(host: string): { servername?: string } {
  return isIP(host.replace(/^\[|\]$/g, '')) === 0 ? { servername: host } : {};
}

function fromUrl(url: string, name: string, label: string | undefined, extra: RedisOptions | undefined): ValidSpec {
  const parsed = parseUrl(url, name);
  // The scheme is read here, case-insensitively, and TLS set explicitly: `REDISS://` must never
  // fall back to plaintext. The server name (SNI, and the name the certificate is checked
  // against) is the URL's host unless the caller's TLS options say otherwise.
  const tls = parsed.tls ? { tls: { ...sni(parsed.node.host), ...extra?.tls } } : {};
  return { label: label ?? parsed.label, make: (base) => new Redis(parsed.href, { ...base, ...extra, ...tls }) };
}

function fromServers(servers: unknown, name: string, label: string | undefined, extra: RedisOptions): ValidSpec {
  if (!Array.isArray(servers) || servers.length === 0) {
    throw new TypeError(`Expected \`${name}\` to be a non-empty array of redis:// URLs (one replicated set), got ${show(servers)}`);
  }
  const parsed = servers.map((u: unknown, i) => parseUrl(typeof u === 'string' ? u : show(u), `${name}[${i}]`));
  const first = new URL(parsed[0]!.href);
  const auth: RedisOptions = {
    ...(first.username === '' ? {} : { username: decodeURIComponent(first.username) }),
    ...(first.password === '' ? {} : { password: decodeURIComponent(first.password) }),
    db: first.pathname.length > 1 ? Number(first.pathname.slice(1)) : 0,
    ...(parsed[0]!.tls ? { tls: { ...sni(parsed[0]!.node.host), ...extra.tls } } : {}),
  };
  const nodes = parsed.map((p) => p.node);
  const text = label ?? `replicated://${nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  return { label: text, make: (base) => new Redis(masterOf(nodes, { ...base, ...extra, ...auth })) };
}

function parseUrl(url: string, name: string): { label: string; href: string; tls: boolean; node: { host: string; port: number } } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`Expected \`${name}\` to be a redis:// or rediss:// URL, got ${show(url)}`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new TypeError(`Expected \`${name}\` to use redis:// or rediss://, got ${JSON.stringify(u.protocol)} in ${show(redact(u))}`);
  }
  if (u.hostname === '') throw new TypeError(`Expected \`${name}\` to name a host, got ${show(redact(u))}`);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,5}$/.test(db))
    throw new TypeError(`Expected \`${name}\` to end in a database number, got ${JSON.stringify('/' + db)}`);
  const port = u.port === '' ? 6379 : Number(u.port);
  // (WHATWG URL parsing lowercases the scheme: `REDISS://` is `rediss:` from here on.)
  return { label: redact(u), href: u.href, tls: u.protocol === 'rediss:', node: { host: u.hostname.replace(/^\[|\]$/g, ''), port } };
}

/** The URL without its password (never shown in errors or `inspect`). */
function redact(u: URL): string {
  const copy = new URL(u.href);
  if (copy.password !== '') copy.password = '***';
  return copy.href.replace(/\/$/, '');
}

function hostPorts(list: unknown, name: string): Array<{ host: string; port: number }> {
  if (!Array.isArray(list) || list.length === 0)
    throw new TypeError(`Expected \`${name}\` to be a non-empty array of { host, port }, got ${show(list)}`);
  return list.map((n: unknown, i) => {
    const o = n as { host?: unknown; port?: unknown };
    if (typeof n !== 'object' || n === null || typeof o.host !== 'string' || typeof o.port !== 'number' || !Number.isInteger(o.port)) {
      throw new TypeError(`Expected \`${name}[${i}]\` to be { host: string, port: number }, got ${show(n)}`);
    }
    return { host: o.host, port: o.port };
  });
}

function clientLabel(client: RedisLike, name: string): string {
  const known = wrapperLabel(client) ?? (isCluster(client) ? clusterLabel(client) : undefined);
  if (known !== undefined) return known;
  const o = (client as Partial<Redis>).options;
  if (o && typeof o.host === 'string' && typeof o.port === 'number') return `redis://${o.host}:${o.port}${o.db ? `/${o.db}` : ''}`;
  return name;
}

function connect(spec: ValidSpec, options: ConnectOptions): Instance {
  const instance = (client: RedisLike, owned: boolean): Instance =>
    new Instance(spec.label, client, owned, {
      commandTimeout: options.commandTimeout,
      clock: options.clock,
      health: options.monitor.health(spec.label),
    });
  if (spec.client) return instance(spec.client, false);
  const base: RedisOptions = {
    enableOfflineQueue: false, // a down instance fails fast; it never queues an acquire
    autoResendUnfulfilledCommands: false, // a command lost with its connection is not re-sent later
    maxRetriesPerRequest: 0,
    // No per-command timer: each operation has one timer (core/ballot.ts); a connection is
    // reset only after repeated timeouts (core/instance.ts).
    connectTimeout: Math.max(options.commandTimeout, 1000),
    retryStrategy: (times: number) => Math.min(50 * times, 500), // back within half a second
    enableReadyCheck: true,
    // Commands issued in one tick go out as one pipeline (one write, fewer syscalls): worth it
    // with many concurrent locks. The user's own clients keep their own setting.
    enableAutoPipelining: options.autoPipelining,
  };
  return instance(spec.make!(base), true);
}

/**
 * Connections for the CLI. Locks go through the public API (`Redlock`); the few direct
 * commands the CLI needs (a reachability check that says *why* a server is unreachable,
 * SCAN for `status`, GETDEL for `release --force`) use plain ioredis connections opened here.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { Redlock, type RedlockOptions } from '../index.js';
import { CliError, EXIT, debug, oneLine } from './common.js';
import type { Target } from './endpoints.js';

/** A plain connection: one server, a Sentinel-managed master, or a whole Cluster. */
export type Client = Redis | Cluster;

export interface Server {
  readonly target: Target;
  /** The label Tenure uses for it (the URL without its password). */
  readonly label: string;
  /** Connected, or null when it could not be reached. */
  readonly client: Client | null;
  /** Why it could not be reached. */
  readonly error: string | null;
}

/** Opens a Redlock on `targets`; a bad URL or option becomes a usage error. */
export function openRedlock(targets: readonly Target[], options: RedlockOptions): Redlock {
  try {
    return new Redlock(
      targets.map((t) => t.input),
      options,
    );
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), EXIT.usage, { cause: error });
  }
}

/** Connects to every endpoint at once and PINGs it; never throws. `labels`: the Redlock's, in order. */
export async function connectAll(targets: readonly Target[], labels: readonly string[] = [], timeout = 2_000): Promise<Server[]> {
  return Promise.all(targets.map((t, i) => connectOne(t, labels[i] ?? t.label, timeout)));
}

/** A plain client for `target` that makes one connection attempt (connect it with `.connect()`). */
export function plainClient(target: Target, timeout = 2_000): Client {
  const auth = {
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: target.password }),
  };
  const base: RedisOptions = {
    lazyConnect: true,
    connectTimeout: timeout,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    commandTimeout: timeout, // a server that stops answering after the PING must not hang the CLI
    retryStrategy: () => null, // one attempt: the CLI reports, it does not wait
  };
  if (target.kind === 'server') return new Redis(target.url, base);
  if (target.kind === 'sentinel') {
    return new Redis({ ...base, ...auth, sentinels: [...target.hosts], name: target.master!, sentinelRetryStrategy: () => null });
  }
  return new Cluster([...target.hosts], {
    lazyConnect: true,
    enableOfflineQueue: false,
    clusterRetryStrategy: () => null,
    redisOptions: { connectTimeout: timeout, commandTimeout: timeout, maxRetriesPerRequest: 0, ...auth },
  });
}

async function connectOne(target: Target, label: string, timeout: number): Promise<Server> {
  const client = plainClient(target, timeout);
  let reason: string | null = null;
  client.on('error', (error: Error) => (reason ??= error.message));
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeout} ms`)), timeout);
    });
    await Promise.race([client.connect().then(() => client.ping()), deadline]);
    return { target, label, client, error: null };
  } catch (error) {
    client.disconnect();
    const why = reason ?? (error instanceof Error ? error.message : String(error));
    debug('%s: %s', label, why);
    return { target, label, client: null, error: oneLine(why) };
  } finally {
    clearTimeout(timer);
  }
}

export function closeAll(servers: readonly Server[]): void {
  for (const s of servers) s.client?.disconnect();
}

/** `label: why; label: why` for the servers that could not be reached. */
export function failures(servers: readonly Server[]): string {
  return servers
    .filter((s) => s.client === null)
    .map((s) => `${s.label}: ${s.error ?? 'unreachable'}`)
    .join('; ');
}

/**
 * Throws CliError(unavailable) naming each failed server when fewer than `needed` answered.
 * `needed` defaults to a quorum (N/2+1).
 */
export function requireReachable(servers: readonly Server[], needed = Math.floor(servers.length / 2) + 1): void {
  const up = servers.filter((s) => s.client !== null).length;
  if (up >= needed) return;
  const what =
    servers.length === 1
      ? 'cannot reach Redis'
      : `cannot reach enough Redis servers (${up} of ${servers.length} answered, ${needed} needed)`;
  throw new CliError(`${what}: ${failures(servers)}`, EXIT.unavailable);
}

/** Checks that a quorum of the Redlock's servers answers, then closes the check connections. */
export async function preflight(targets: readonly Target[], redlock: Redlock): Promise<void> {
  // Done once a quorum answered: a stalled minority costs nothing here, as in the library
  // (its checks close as they settle). Below a quorum, every answer is waited for, to name each failure.
  const quorum = Math.floor(targets.length / 2) + 1;
  const checks = targets.map((t, i) => connectOne(t, redlock.instances[i] ?? t.label, 2_000));
  const all = Promise.all(checks);
  void all.then(closeAll);
  let up = 0;
  const enough = await new Promise<boolean>((resolve) => {
    for (const check of checks) void check.then((s) => s.client !== null && ++up >= quorum && resolve(true));
    void all.then(() => resolve(false));
  });
  if (!enough) requireReachable(await all);
}

/** The keys matching `match`, in batches: SCAN (never KEYS) on the server, or on every master of a Cluster. */
export async function* scanKeys(client: Client, match: string): AsyncGenerator<string[], void, undefined> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== '0');
  }
}

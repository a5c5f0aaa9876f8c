/**
 * Connections for the CLI. Locks go through the public API (`Redlock`); the few direct
 * commands the CLI needs (a reachability check that says *why* a server is unreachable,
 * SCAN for `status`, GETDEL for `release --force`) use plain ioredis connections opened here.
 */
import { Redis } from 'ioredis';
import { Redlock, type RedlockOptions } from '../index.js';
import { CliError, EXIT, debug, oneLine } from './common.js';

export interface Server {
  /** The URL as given. */
  readonly url: string;
  /** The label Tenure uses for it (the URL without its password). */
  readonly label: string;
  /** Connected, or null when it could not be reached. */
  readonly client: Redis | null;
  /** Why it could not be reached. */
  readonly error: string | null;
}

/** Opens a Redlock on `urls`; a bad URL or option becomes a usage error. */
export function openRedlock(urls: readonly string[], options: RedlockOptions): Redlock {
  try {
    return new Redlock(urls, options);
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), EXIT.usage, { cause: error });
  }
}

/** Connects to every server at once and PINGs it; never throws. */
export async function connectAll(urls: readonly string[], labels: readonly string[], timeout = 2_000): Promise<Server[]> {
  return Promise.all(urls.map((url, i) => connectOne(url, labels[i] ?? url, timeout)));
}

async function connectOne(url: string, label: string, timeout: number): Promise<Server> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeout,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    commandTimeout: timeout, // a server that stops answering after the PING must not hang the CLI
    retryStrategy: () => null, // one attempt: the CLI reports, it does not wait
  });
  let reason: string | null = null;
  client.on('error', (error: Error) => (reason ??= error.message));
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeout} ms`)), timeout);
    });
    await Promise.race([client.connect().then(() => client.ping()), deadline]);
    return { url, label, client, error: null };
  } catch (error) {
    client.disconnect();
    const why = reason ?? (error instanceof Error ? error.message : String(error));
    debug('%s: %s', label, why);
    return { url, label, client: null, error: oneLine(why) };
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
export async function preflight(urls: readonly string[], redlock: Redlock): Promise<void> {
  const servers = await connectAll(urls, redlock.instances);
  closeAll(servers);
  requireReachable(servers);
}

/**
 * Servers, proxies and child processes the bench starts, all registered for cleanup: each
 * is stopped when its scenario ends, and everything still running is stopped on Ctrl-C,
 * SIGTERM or a crash. (test/helpers/redis-server.ts also SIGKILLs its servers on exit.)
 */
import { startRedisSet, type RedisSet } from '../test/helpers/redis-server.js';
import { startProxy, type TcpProxy } from '../test/helpers/tcp-proxy.js';

type Cleanup = () => Promise<void>;
const cleanups = new Set<Cleanup>();

/** Registers a cleanup; returns a function that runs it now (once) and unregisters it. */
export function onCleanup(fn: Cleanup): () => Promise<void> {
  let done: Promise<void> | undefined;
  const run: Cleanup = () => (done ??= fn().catch((error: unknown) => console.error('cleanup:', error)));
  cleanups.add(run);
  return () => {
    cleanups.delete(run);
    return run();
  };
}

export async function cleanupAll(): Promise<void> {
  const all = [...cleanups];
  cleanups.clear();
  await Promise.all(all.map((fn) => fn()));
}

let installed = false;

/** Ctrl-C / SIGTERM: stop everything, then exit 130 / 143. `name` prefixes the message (the bench, the fault suite). */
export function installSignalHandlers(name = 'bench'): void {
  if (installed) return;
  installed = true;
  let stopping = false;
  const stop = (signal: NodeJS.Signals, code: number): void => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${name}: ${signal}: stopping servers and workers...`);
    const force = setTimeout(() => process.exit(code), 5000);
    force.unref();
    void cleanupAll().finally(() => process.exit(code));
  };
  process.on('SIGINT', () => stop('SIGINT', 130));
  process.on('SIGTERM', () => stop('SIGTERM', 143));
}

/** Starts `n` fresh redis-servers, runs `fn`, and stops them whatever happens. */
export async function withServers<T>(n: number, fn: (set: RedisSet) => Promise<T>): Promise<T> {
  const set = await startRedisSet(n);
  const stop = onCleanup(() => set.stop());
  try {
    return await fn(set);
  } finally {
    await stop();
  }
}

/** A proxy in front of each server (loopback), closed whatever happens. */
export async function withProxies<T>(set: RedisSet, fn: (proxies: TcpProxy[]) => Promise<T>): Promise<T> {
  const proxies: TcpProxy[] = [];
  const stop = onCleanup(() => Promise.all(proxies.map((p) => p.close())).then(() => undefined));
  try {
    for (const s of set.servers) proxies.push(await startProxy({ port: s.port }));
    return await fn(proxies);
  } finally {
    await stop();
  }
}

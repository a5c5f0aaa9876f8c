/** Plain ioredis connections for looking at servers directly, that never retry or queue. */
import { Redis, type RedisOptions } from 'ioredis';

/** A client that never retries, so failures surface instead of hanging; `lazyConnect`. */
export function strictClient(url: string | number, extra: RedisOptions = {}): Redis {
  const base: RedisOptions = { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, ...extra };
  const c = typeof url === 'number' ? new Redis({ port: url, host: '127.0.0.1', ...base }) : new Redis(url, base);
  c.on('error', () => undefined); // expected in fault tests; assertions look at command results
  return c;
}

/** Connects a strict client to `port`, runs `fn` with it, and disconnects. */
export async function withClient<T>(port: number, fn: (client: Redis) => Promise<T>): Promise<T> {
  const c = strictClient(port);
  try {
    await c.connect();
    return await fn(c);
  } finally {
    c.disconnect();
  }
}

// Valkey GLIDE (`@valkey/valkey-glide` 2.x): pass the GlideClient (or GlideClusterClient) you
// created. GLIDE has no duplicate(): for waiters Tenure makes a GLIDE client of its own from
// the same configuration, and closes it in close(); yours stays open.
// `TENURE_REDIS=redis://127.0.0.1:6379 npx tsx examples/valkey-glide.ts`
import { GlideClient } from '@valkey/valkey-glide';
import { Redlock } from 'tenure';

const urls = (process.env.TENURE_REDIS ?? 'redis://127.0.0.1:6379').split(',');
const keyPrefix = process.env.TENURE_PREFIX ?? 'tenure:';

const clients = await Promise.all(
  urls.map((url) => GlideClient.createClient({ addresses: [{ host: new URL(url).hostname, port: Number(new URL(url).port || 6379) }] })),
);
const redlock = new Redlock(clients, { keyPrefix });
const lock = await redlock.acquire('orders', { ttl: 10_000 });
const waiter = redlock.acquire('orders', { ttl: 10_000, wait: 5_000 });
setTimeout(() => void lock.release(), 100);
const next = await waiter;
console.log(`valkey-glide: handed over, held: ${next.isHeld}`);
await next.release();
await redlock.close();
const pong = await clients[0]!.customCommand(['PING']);
console.log(`after close: ${typeof pong === 'string' ? pong : JSON.stringify(pong)}`);
for (const c of clients) c.close();

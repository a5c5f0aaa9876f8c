// node-redis (the `redis` package, v5 or v6): pass the clients you connected. Tenure borrows
// them (never closes them) and opens one subscriber connection of its own per server, with
// the client's own duplicate(), for waiters; close() closes that one only.
// `TENURE_REDIS=redis://127.0.0.1:6379 npx tsx examples/node-redis.ts`
// With TENURE_CLUSTER=redis://host:port,... it also locks on a Redis Cluster (createCluster).
import { createClient, createCluster } from 'redis';
import { Redlock } from 'tenure';

const urls = (process.env.TENURE_REDIS ?? 'redis://127.0.0.1:6379').split(',');
const keyPrefix = process.env.TENURE_PREFIX ?? 'tenure:';

const clients = await Promise.all(urls.map((url) => createClient({ url }).connect()));
const redlock = new Redlock(clients, { keyPrefix });

const lock = await redlock.acquire('orders', { ttl: 10_000 });
const waiter = redlock.acquire('orders', { ttl: 10_000, wait: 5_000 }); // woken by the release
setTimeout(() => void lock.release(), 100);
const next = await waiter;
console.log(`node-redis: handed over, held: ${next.isHeld}`);
await next.release();
await redlock.close();
console.log(`after close, the clients are still open: ${clients.every((c) => c.isOpen)}`);
await Promise.all(clients.map((c) => c.close()));

if (process.env.TENURE_CLUSTER) {
  const cluster = createCluster({ rootNodes: process.env.TENURE_CLUSTER.split(',').map((url) => ({ url })) });
  await cluster.connect();
  const onCluster = new Redlock([cluster], { keyPrefix }); // the whole cluster is one vote
  await onCluster.using('report', { ttl: 5_000 }, (l) => console.log(`node-redis cluster: held ${l.resources.join()}`));
  await onCluster.close();
  await cluster.close();
}

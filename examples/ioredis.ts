// ioredis 5 or 6 (and iovalkey, its Valkey fork, the same way): pass the `Redis` or `Cluster`
// clients you made; Tenure borrows them and subscribes for waiters on a duplicate() of its own.
// `TENURE_REDIS=redis://127.0.0.1:6379 npx tsx examples/ioredis.ts`
// With TENURE_CLUSTER=redis://host:port,... it also locks on a Redis Cluster.
import { Cluster, Redis } from 'ioredis';
import { Redlock } from 'tenure';

const urls = (process.env.TENURE_REDIS ?? 'redis://127.0.0.1:6379').split(',');
const keyPrefix = process.env.TENURE_PREFIX ?? 'tenure:';

const clients = urls.map((url) => new Redis(url));
const redlock = new Redlock(clients, { keyPrefix });
const lock = await redlock.acquire('orders', { ttl: 10_000, fence: true });
console.log(`ioredis: held with fencing token ${lock.fencingToken}`);
await lock.release();
await redlock.close();
const pongs = await Promise.all(clients.map((c) => c.ping()));
console.log(`after close, the clients still answer: ${pongs.every((p) => p === 'PONG')}`);
for (const c of clients) c.disconnect();

if (process.env.TENURE_CLUSTER) {
  const cluster = new Cluster(process.env.TENURE_CLUSTER.split(','));
  const onCluster = new Redlock([cluster], { keyPrefix }); // the whole cluster is one vote
  await onCluster.using('report', { ttl: 5_000 }, (l) => console.log(`ioredis cluster: held ${l.resources.join()}`));
  await onCluster.close();
  cluster.disconnect();
}

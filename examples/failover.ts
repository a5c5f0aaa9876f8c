// Leader election for failover, runnable: three candidates in one process; the leader
// resigns, another takes over with a higher term.
// `TENURE_REDIS=redis://127.0.0.1:6379 npx tsx examples/failover.ts`
import { once } from 'node:events';
import { Redlock, type ElectedEvent } from 'tenure';

const urls = (process.env.TENURE_REDIS ?? 'redis://127.0.0.1:6379').split(',');
const keyPrefix = process.env.TENURE_PREFIX ?? 'tenure:';
const fleet = ['api-1', 'api-2', 'api-3'].map((id) => {
  const redlock = new Redlock(urls, { keyPrefix, commandTimeout: 500 });
  const election = redlock.election('billing-primary', { ttl: 3_000, id });
  election.on('elected', ({ term }) => console.log(`${id} leads (term ${term})`));
  election.on('demoted', ({ reason }) => console.log(`${id} stepped down: ${reason}`));
  return { id, redlock, election };
});

const elected = (): Promise<ElectedEvent> =>
  Promise.race(fleet.map(({ election }) => once(election, 'elected').then(([e]) => e as ElectedEvent)));
const first = elected();
for (const { election } of fleet) election.start();
const a = await first;
const leader = fleet.find((c) => c.id === a.id)!;
console.log(`leader() says: ${await leader.election.leader()}`);

const next = elected();
await leader.election.stop(); // a graceful shutdown: resign, another takes over at once
const b = await next;
if (b.term <= a.term || b.id === a.id) throw new Error('the new leader must have a higher term');
console.log(`${b.id} took over from ${a.id}`);

await Promise.all(fleet.map(({ redlock }) => redlock.close()));

/**
 * One demo worker: takes turns on a fenced lock and reports each turn as a JSON line.
 * argv: urls (comma-separated), keyPrefix, name, runMs
 */
import { Redis } from 'ioredis';
import { Redlock, fencedSet } from '../src/index.js';

const [urls, keyPrefix, name, runMs] = process.argv.slice(2) as [string, string, string, string];
const say = (o: object): void => void process.stdout.write(JSON.stringify({ name, at: Date.now(), ...o }) + '\n');
const redlock = new Redlock(urls.split(','), { keyPrefix, owner: name });
const data = new Redis(urls.split(',')[0]!);
const end = Date.now() + Number(runMs);

while (Date.now() < end) {
  say({ event: 'waiting' });
  const lock = await redlock.acquire('nightly-report', { ttl: 1_000, wait: 10_000, fence: true }).catch(() => null);
  if (lock === null) continue;
  say({ event: 'acquired', token: String(lock.fencingToken), validUntil: lock.expiresAt });
  await new Promise((r) => setTimeout(r, 150 + Math.random() * 250)); // the job
  const write = await fencedSet(data, `${keyPrefix}report`, `by ${name}`, lock.fencingToken!);
  const stillHeld = lock.isHeld;
  const at = Date.now(); // the turn ends here: release hands the lock on
  await lock.release();
  say({ event: 'released', at, accepted: write.accepted, stillHeld });
  await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
}
data.disconnect();
await redlock.close();

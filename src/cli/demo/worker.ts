/**
 * `tenure demo-worker` (hidden): one worker of `tenure demo`. It campaigns in the election
 * "demo" and, in a loop, takes the fenced job lock, works, writes its result to a fenced
 * store with the lock's token, and lets go. It reports each step as a JSON line on stdout.
 */
import { Redlock, fencedSet } from '../../index.js';
import { pause as sleep } from '../../core/sleep.js';
import type { Target } from '../endpoints.js';
import { plainClient, type Client } from '../redis.js';
import { encode, type WorkerEvent } from './events.js';

export interface WorkerOptions {
  redis: Target[];
  prefix: string;
  name: string;
  /** The job lock's ttl, ms. */
  ttl: number;
  /** The election's ttl, ms. */
  electionTtl: number;
  /** Mean time a job takes, ms. */
  work: number;
}

type Payload<E> = E extends WorkerEvent ? Omit<E, 'at'> & { at?: number } : never;

function emit(event: Payload<WorkerEvent>): void {
  process.stdout.write(encode({ at: Date.now(), ...event }));
}

export async function worker(o: WorkerOptions): Promise<number> {
  const stop = new AbortController();
  for (const s of ['SIGTERM', 'SIGINT'] as const) process.on(s, () => stop.abort());
  // The demo holds our stdin open: when it goes away, so do we.
  process.stdin.on('end', () => stop.abort()).resume();
  // Short command timeouts: the election's ttl must exceed three of them.
  const redlock = new Redlock(
    o.redis.map((t) => t.input),
    { keyPrefix: o.prefix, owner: o.name, commandTimeout: Math.floor(o.electionTtl / 5) },
  );
  const store = plainClient(o.redis[0]!); // the storage the job protects
  store.on('error', () => undefined);
  await store.connect().catch((error: unknown) => emit({ t: 'trouble', message: `store: ${String(error)}` }));
  const election = redlock.election('demo', { ttl: o.electionTtl, id: o.name });
  election.on('elected', (e) => emit({ t: 'elected', term: String(e.term) }));
  election.on('demoted', (e) => emit({ t: 'demoted', at: e.at, term: String(e.term), reason: e.reason }));
  election.on('campaignError', (error) => emit({ t: 'trouble', message: error.message }));
  election.start();
  emit({ t: 'ready' });
  while (!stop.signal.aborted) await turn(redlock, store, o, stop.signal);
  await election.stop();
  await redlock.close();
  store.disconnect();
  return 0;
}

/** One turn at the job: take the lock, work, write with the token, let go. */
async function turn(redlock: Redlock, store: Client, o: WorkerOptions, signal: AbortSignal): Promise<void> {
  let lock;
  try {
    lock = await redlock.acquire('job', { ttl: o.ttl, wait: 2 * o.ttl, fence: true, signal });
  } catch (error) {
    if (!signal.aborted && !(error instanceof Error && error.name === 'LockTimeoutError')) emit({ t: 'trouble', message: String(error) });
    return;
  }
  const token = lock.fencingToken!;
  emit({ t: 'acquired', token: String(token), until: lock.expiresAt });
  await sleep(o.work * (0.6 + 0.8 * Math.random()), signal); // the job; the demo may SIGSTOP us here
  // No `lock.isHeld` check before writing: a check narrows the window but cannot close it (a
  // pause can fall between the check and the write). The token is what protects the data.
  try {
    const write = await fencedSet(store, `${o.prefix}report`, `written by ${o.name}`, token);
    emit({ t: 'wrote', token: String(token), accepted: write.accepted, highest: String(write.highest) });
  } catch (error) {
    emit({ t: 'trouble', message: `write: ${String(error)}` });
  }
  emit({ t: 'released', token: String(token) });
  await lock.release().catch(() => false);
  await sleep(30 + Math.random() * 70, signal); // let the others have a turn
}

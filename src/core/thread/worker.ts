/**
 * The keeper thread (`keeper: 'thread'`): renews the main thread's leases with its own
 * connections, with the batched keeper's protocol (extend-batch.lua, one vote per server,
 * quorum N/2+1, validity = start + ttl − drift, a lease a quorum says is gone is lost), and
 * writes each lease's validity into shared memory, where the main thread's `isHeld` and
 * `remaining()` read it. It stops renewing the leases of a main thread whose heartbeat has
 * not moved for the lease's maxStall: a hung process loses its leases as it would without
 * the thread. Every time here is on the main thread's time base (see shared.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Redis, type RedisOptions } from 'ioredis';
import * as lua from '../../lua/scripts.generated.js';
import { BatchArgs, valueBytes } from '../batch-args.js';
import { masterOf } from '../replicated.js';
import { decodeBatch } from '../replies.js';
import { runScript, type Invocation } from '../scripts.js';
import { sleep } from '../sleep.js';
import { Shared, type FromThread, type ThreadInit, type ToThread } from './shared.js';

interface Entry {
  readonly slot: number;
  readonly keys: readonly string[];
  readonly value: string;
  /** The value's length in bytes (extend-batch.lua's layout). */
  readonly bytes: number;
  readonly ttl: number;
  readonly interval: number;
  readonly retry: number;
  readonly maxStall: number;
  due: number;
  renewing: boolean;
  why: string;
}

const init = workerData as ThreadInit;
const port = parentPort!;
const offset = performance.timeOrigin - init.origin;
/** The main thread's `performance.now()`, read here. */
const now = (): number => performance.now() + offset;
const shared = new Shared(init.endpoints.length, init.buffer);
const entries = new Map<number, Entry>();
const send = (message: FromThread): void => port.postMessage(message);
let timer: NodeJS.Timeout | undefined;
let at = Infinity;
let closing = false;

const clients = init.endpoints.map(({ options }) => {
  const base: RedisOptions = {
    ...options,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    connectTimeout: Math.max(init.commandTimeout, 1000),
    retryStrategy: (times: number) => Math.min(50 * times, 500),
    lazyConnect: false,
  };
  const replicas = options.replicaNodes as Array<{ host: string; port: number }> | undefined;
  const client = replicas ? new Redis(masterOf(replicas, base)) : new Redis(base);
  client.on('error', () => undefined); // reconnects by itself; a failed renewal is retried
  return client;
});

port.on('message', (m: ToThread) => {
  if (m.t === 'keep') {
    const entry: Entry = { ...m, bytes: valueBytes(m.value), due: now() + m.interval, renewing: false, why: '' };
    entries.set(m.slot, entry);
    arm(Math.min(entry.due, left(entry) + now()));
  } else if (m.t === 'drop') {
    entries.delete(m.slot);
    send({ t: 'dropped', slot: m.slot });
  } else void close();
});
send({ t: 'ready', now: now() });

function left(e: Entry): number {
  const until = shared.validUntil(e.slot);
  return until === undefined ? 0 : until - now();
}

function arm(when: number): void {
  if (closing || (timer !== undefined && at <= when)) return;
  if (timer !== undefined) clearTimeout(timer);
  at = when;
  timer = setTimeout(tick, Math.max(0, Math.ceil(when - now())));
}

function lose(e: Entry, reason: 'expired' | 'taken', why: string): void {
  entries.delete(e.slot);
  shared.lose(e.slot);
  send({ t: 'lost', slot: e.slot, reason, why });
}

function tick(): void {
  timer = undefined;
  at = Infinity;
  const t = now();
  const stalled = t - shared.heartbeat;
  const due: Entry[] = [];
  let next = Infinity;
  for (const e of entries.values()) {
    const rest = left(e);
    if (rest <= 0) {
      lose(e, 'expired', e.why || 'its validity ran out');
      continue;
    }
    if (stalled > e.maxStall) {
      // The main thread is hung: no more renewals; the lease runs out as it would without us.
      e.why = `the main thread did not answer the keeper thread for ${Math.round(stalled)} ms (maxStall ${e.maxStall} ms)`;
      next = Math.min(next, t + rest);
      continue;
    }
    if (!e.renewing && e.due - t <= e.interval / 2) due.push(e);
    else if (!e.renewing) next = Math.min(next, e.due);
    next = Math.min(next, t + rest, t + 2 * 50); // look at the heartbeat again soon
  }
  for (let i = 0; i < due.length; i += init.batch) void renew(due.slice(i, i + init.batch));
  if (next < Infinity) arm(next);
}

/** One server's answer to a batch: per lease 1 (extended) or 0/3 (not held), or an error. */
function ask(i: number, call: Invocation, leases: number, timeout: number): Promise<readonly number[]> {
  const client = clients[i]!;
  if (client.status !== 'ready') return Promise.reject(new Error(`${init.endpoints[i]!.label}: ${client.status}`));
  let t: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`${init.endpoints[i]!.label}: no answer in ${timeout} ms`)), timeout);
  });
  // One round trip per server: EVALSHA of extend-batch.lua (EVAL the first time).
  const reply = runScript(client, call).then((r) => decodeBatch(r, leases).data!);
  return Promise.race([reply, deadline]).finally(() => clearTimeout(t));
}

async function renew(batch: Entry[]): Promise<void> {
  // The keys and arguments are built once, for every server (core/batch-args.ts). With a
  // quarantine, the marker key goes last and the quarantine after the leases (as
  // core/quarantine.ts does on the main thread; the keeper thread never serves a Cluster).
  const args = new BatchArgs();
  let shortest = Infinity;
  for (const e of batch) {
    e.renewing = true;
    shortest = Math.min(shortest, e.ttl);
    args.add(e.keys, e.value, e.bytes, e.ttl);
  }
  const q = init.quarantine;
  const [layout, values] = args.argv();
  const quarantine = q > 0 ? { quarantine: q, marked: true } : {};
  const call = lua.extendBatch({ lock: args.keys, marker: q > 0 ? init.marker : undefined }, { layout, values, ...quarantine });
  const start = now();
  const timeout = Math.min(init.commandTimeout, shortest);
  const answers = await Promise.allSettled(clients.map((_, i) => ask(i, call, batch.length, timeout)));
  const t = now();
  const n = clients.length;
  batch.forEach((e, l) => {
    e.renewing = false;
    if (entries.get(e.slot) !== e) return; // dropped meanwhile
    let yes = 0;
    let no = 0;
    let error = '';
    answers.forEach((a, i) => {
      if (a.status === 'rejected') error = String(a.reason);
      else if (a.value[l] !== 1) no++;
      else if (shared.votes(i)) yes++;
    });
    const until = start + e.ttl - (Math.floor(e.ttl * init.driftFactor) + 2);
    if (yes >= init.quorum && until > t) {
      shared.raise(e.slot, until);
      e.why = '';
      e.due = t + e.interval;
      send({ t: 'renewed', slot: e.slot });
    } else if (no > n - init.quorum) {
      return lose(e, 'taken', 'a quorum of instances no longer holds it');
    } else {
      e.why = `its renewals did not reach a quorum (${error || 'too few votes'})`;
      e.due = t + Math.min(e.retry, Math.max(0, left(e)));
    }
    arm(Math.min(e.due, t + Math.max(0, left(e))));
  });
}

async function close(): Promise<void> {
  closing = true;
  if (timer !== undefined) clearTimeout(timer);
  entries.clear();
  const quit = (c: Redis): Promise<unknown> =>
    c.status === 'ready' ? Promise.race([c.quit().catch(() => undefined), sleep(500)]) : Promise.resolve();
  await Promise.all(clients.map(quit));
  for (const c of clients) c.disconnect();
  send({ t: 'closed' });
  port.close();
}

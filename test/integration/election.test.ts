/**
 * Leader election in one process, against the shared 1- and 3-instance sets: who leads,
 * terms, resignation hand-over, a lost lease, leader observation, and option checks.
 * Candidates in separate processes, killed, paused and cut off, are in faults/election.
 */
import { describe, expect, inject, it } from 'vitest';
import { LockLostError, type EndpointInput, type DemotedEvent, type ElectedEvent, type Election } from '../../src/index.js';
import { startRedis } from '../helpers/redis-server.js';
import { BORROWED, useClients, type Kind } from '../helpers/kinds.js';
import { defer, prefix, raw, redlock } from '../helpers/tenure.js';
import { once, waitFor } from '../helpers/wait.js';
import { scriptCalls } from '../helpers/stats.js';

const TTL = 1_500;

function candidates(urls: EndpointInput[], n: number, keyPrefix = prefix()): Election[] {
  const all: Election[] = [];
  for (let i = 0; i < n; i++) {
    const r = redlock(urls, { keyPrefix, commandTimeout: 300 });
    const e = r.election('main', { ttl: TTL, id: `c${i}` });
    defer(() => e.stop());
    all.push(e);
  }
  return all;
}

// Tenure's own connections on 1 and 3 instances; every borrowed client kind on 3.
const cases: Array<[Kind, string, 'redis1' | 'redis3']> = [
  ['url', '1 instance', 'redis1'],
  ['url', '3 instances', 'redis3'],
  ...BORROWED.map((k): [Kind, string, 'redis3'] => [k, '3 instances', 'redis3']),
];

describe.each(cases)('election (%s) on %s', (kind, _, set) => {
  const urls = inject(set);
  const endpoints = useClients(kind, () => urls);

  it('one candidate is elected: isLeader, a term, its id as leader(), a live signal', async () => {
    const [e] = candidates(endpoints(), 1);
    const elected = once<ElectedEvent>(e!, 'elected');
    expect(e!.isLeader).toBe(false);
    expect(e!.signal.aborted).toBe(true);
    e!.start();
    const ev = await elected;
    expect(ev.id).toBe('c0');
    expect(typeof ev.term).toBe('bigint');
    expect(e!.isLeader).toBe(true);
    expect(e!.term).toBe(ev.term);
    expect(e!.signal.aborted).toBe(false);
    expect(await e!.leader()).toBe('c0');
  });

  it('of three candidates exactly one leads; the others observe it; a resignation hands over in a few round trips', async () => {
    const all = candidates(endpoints(), 3);
    const firsts = all.map((e) => once<ElectedEvent>(e, 'elected', 10_000).then(() => e));
    for (const e of all) e.start();
    const leader = await Promise.race(firsts);
    const others = all.filter((e) => e !== leader);
    expect(all.filter((e) => e.isLeader)).toEqual([leader]);
    // The waiting candidates learn who leads (an announcement or their first look).
    const seen = others.map((e) => e.observe());
    for (const it of seen) expect((await it.next()).value).toBe(leader.id);
    for (const it of seen) await it.return(undefined);

    const term = leader.term!;
    const signal = leader.signal;
    const demoted = once<DemotedEvent>(leader, 'demoted');
    const next = Promise.race(others.map((e) => once<ElectedEvent>(e, 'elected', 5_000)));
    const stoppedAt = Date.now();
    await leader.stop();
    const [d, n] = await Promise.all([demoted, next]);
    expect(d.reason).toBe('resigned');
    expect(signal.aborted).toBe(true);
    expect(leader.isLeader).toBe(false);
    expect(n.term).toBeGreaterThan(term);
    expect(d.at).toBeLessThanOrEqual(Date.now());
    // Resigning releases the lock: far sooner than waiting out the 1.5 s lease.
    expect(Date.now() - stoppedAt).toBeLessThan(TTL / 2);
  });

  it('a leader whose lease is taken from under it is demoted (lost), and campaigns again with a higher term', async () => {
    const keyPrefix = prefix();
    const [e] = candidates(endpoints(), 1, keyPrefix);
    e!.start();
    const first = await once<ElectedEvent>(e!, 'elected');
    const signal = e!.signal;
    const demoted = once<DemotedEvent>(e!, 'demoted', 5_000);
    const again = new Promise<ElectedEvent>((resolve) => e!.on('elected', resolve));
    // Delete the lock on every instance: the next renewal finds it gone.
    const clients = raw(urls);
    const key = `${keyPrefix}{election:main}`;
    await waitFor(async () => (await Promise.all(clients.map((c) => c.exists(key)))).every((n) => n === 1));
    expect(await Promise.all(clients.map((c) => c.del(key)))).toEqual(urls.map(() => 1));
    const d = await demoted;
    expect(d.reason).toBe('lost');
    expect(d.error).toBeInstanceOf(LockLostError);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(d.error);
    const second = await again;
    expect(second.term).toBeGreaterThan(first.term);
    expect(e!.isLeader).toBe(true);
  });

  it('leader events trace the changes; stop() of a waiting candidate ends its campaign; close() resigns', async () => {
    const keyPrefix = prefix();
    const r1 = redlock(endpoints(), { keyPrefix, commandTimeout: 300 });
    const r2 = redlock(endpoints(), { keyPrefix, commandTimeout: 300 });
    const a = r1.election('main', { ttl: TTL, id: 'a' });
    const b = r2.election('main', { ttl: TTL, id: 'b' });
    const seenByB: (string | null)[] = [];
    b.on('leader', (id) => seenByB.push(id));
    a.start();
    await once(a, 'elected');
    b.start();
    await waitFor(() => seenByB.includes('a'));
    const bElected = once<ElectedEvent>(b, 'elected', 5_000);
    await r1.close(); // resigns a's leadership
    expect(a.campaigning).toBe(false);
    await bElected;
    expect(seenByB.at(-1)).toBe('b');
    expect(await b.leader()).toBe('b');
    await b.stop();
    expect(b.campaigning).toBe(false);
    await waitFor(async () => (await r2.election('main', { ttl: TTL }).leader()) === null);
  });
});

describe('election options', () => {
  const urls = inject('redis1');
  it('rejects bad names and options before any network call', () => {
    const r = redlock(urls);
    expect(() => r.election('', { ttl: 5_000 })).toThrow(RangeError);
    expect(() => r.election(5 as unknown as string, { ttl: 5_000 })).toThrow(/`name`/);
    expect(() => r.election('x', undefined as unknown as { ttl: number })).toThrow(/ttl/);
    expect(() => r.election('x', { ttl: 0 })).toThrow(/options\.ttl/);
    expect(() => r.election('x', { ttl: 5_000, retryDelay: 6_000 })).toThrow(/retryDelay/);
    expect(() => r.election('x', { ttl: 5_000, id: '' })).toThrow(/options\.id/);
    expect(() => r.election('x', { ttl: 5_000, bogus: 1 } as unknown as { ttl: number })).toThrow(/Unknown option `options\.bogus`/);
    // The renewal (every ttl/3) must fit a command timeout and a retry: 1 s commands, 2 s ttl do not.
    expect(() => r.election('x', { ttl: 2_000 })).toThrow(/commandTimeout/);
  });
});

describe('election resilience', () => {
  const urls = inject('redis3');

  it('observe() that the consumer leaves early does not keep a listener', async () => {
    const r = redlock(urls, { commandTimeout: 300 });
    const e = r.election('obs', { ttl: TTL, id: 'solo' });
    defer(() => e.stop());
    const before = e.listenerCount('leader');
    for await (const id of e.observe()) {
      expect(id).toBeNull(); // nobody leads yet
      break;
    }
    expect(e.listenerCount('leader')).toBe(before);
  });

  it('close() while a using() routine runs: the routine is told (signal), and using rejects with LockLostError', async () => {
    const r = redlock(urls);
    let told: unknown;
    const running = r.using('closing', { ttl: 5_000 }, async (lock) => {
      await new Promise<void>((resolve) => lock.signal.addEventListener('abort', () => resolve(), { once: true }));
      told = lock.signal.reason;
      return 'finished';
    });
    await waitFor(async () => (await r.inspect('closing')).held);
    const rejected = expect(running).rejects.toBeInstanceOf(LockLostError); // attached before close() settles it
    await r.close();
    await rejected;
    expect(told).toBeInstanceOf(LockLostError);
  });
});

describe('waiting candidates', () => {
  it('do not hammer Redis: a few script calls per ttl, counted by the server itself', async () => {
    const server = await startRedis();
    defer(() => server.stop());
    const keyPrefix = prefix();
    const ttl = 1_500; // retryDelay ttl/2: a waiting candidate tries about twice per ttl
    const all = Array.from({ length: 4 }, (_, i) =>
      redlock([server.url], { keyPrefix, commandTimeout: 300 }).election('quiet', { ttl, id: `q${i}` }),
    );
    for (const e of all) {
      e.start();
      defer(() => e.stop());
    }
    await waitFor(() => all.some((e) => e.isLeader));
    const [admin] = raw([server.url]);
    await admin!.config('RESETSTAT');
    const since = performance.now();
    await waitFor(() => performance.now() - since >= 2 * ttl, { timeout: 10_000, interval: 50 });
    const scripts = await scriptCalls(admin!);
    // Over two ttls: the leader renews every ttl/3 (6 calls); 3 waiting candidates try about
    // once per retryDelay (ttl/2), plus a look when each 2-ttl stretch of waiting starts:
    // about 25 in all (measured). Polling every 100 ms would be about 90.
    expect(scripts).toBeGreaterThan(0);
    expect(scripts).toBeLessThan(50);
    expect(all.filter((e) => e.isLeader)).toHaveLength(1);
  });
});

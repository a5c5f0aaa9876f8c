/**
 * The waiting line (lib/queue.lua) against a real server: acquire.lua puts a refused waiter's
 * claim in line, release-one.lua hands the lock to the first live claim and names it, a key
 * holding a waiter's claim is free for that waiter only, and a lapsed entry is passed over.
 * (Waiters listen on the release channel: a release asks, and does nothing for nobody.)
 */
import { inject, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { goneKey, handoffChannel, lockKey, tagOf, queueKeys, releaseChannel, releaseMessage } from '../../src/keys.js';
import * as lua from '../../src/lua/scripts.generated.js';
import { prefix, raw } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

const EXTEND = lua.extend.script.source;

interface Keys {
  key: string;
  gone: string;
  queue: string;
  alive: string;
  channel: string;
}

function keys(resource = 'jobs'): Keys {
  const p = prefix();
  const [queue, alive] = queueKeys(p, resource);
  return { key: lockKey(p, resource), gone: goneKey(p, resource), queue, alive, channel: releaseChannel(p, resource) };
}

/** acquire.lua on one resource with a claim: its reply code (1 acquired, 0 held). */
async function attempt(c: Redis, k: Keys, value: string, claim: string, place: number, entryTtl = 10_000): Promise<number> {
  const reply = (await c.eval(
    lua.acquire.script.source,
    3,
    k.key,
    k.queue,
    k.alive,
    value,
    5_000,
    '0',
    0,
    '0',
    '0',
    claim,
    place,
    entryTtl,
  )) as unknown[];
  return Number(reply[0]);
}

/** release-one.lua: 1 when the key held the value. */
async function release(c: Redis, k: Keys, value: string, dequeue = '', always = '0', observed = '0'): Promise<number> {
  return Number(
    await c.eval(
      lua.releaseOne.script.source,
      4,
      k.key,
      k.gone,
      k.queue,
      k.alive,
      value,
      ':released',
      'PUBLISH',
      5_000,
      300,
      dequeue,
      always,
      observed,
    ),
  );
}

/**
 * Messages on a channel while `fn` runs (and a moment after), heard by a subscriber — and on
 * its hand-off channels (keys.ts handoffChannel), each as `@tag message`.
 */
async function messages(sub: Redis, channel: string, fn: () => Promise<unknown>): Promise<string[]> {
  const got: string[] = [];
  const on = (ch: string, m: string): void => void (ch === channel && got.push(m));
  const onP = (_p: string, ch: string, m: string): void => void got.push(`${ch.slice(channel.length)} ${m}`);
  sub.on('message', on);
  sub.on('pmessage', onP);
  await sub.subscribe(channel);
  await sub.psubscribe(`${channel}@*`);
  await fn();
  await new Promise((resolve) => setTimeout(resolve, 50));
  await sub.unsubscribe(channel);
  await sub.punsubscribe(`${channel}@*`);
  sub.off('message', on);
  sub.off('pmessage', onP);
  return got;
}

/** A hand-off message as messages() reports it: on the claim's hand-off channel. */
function handedOver(value: string, claim: string, ms: number): string {
  return `${handoffChannel('', tagOf(claim))} ${releaseMessage(value, claim, ms)}`;
}

/** Runs `fn` with a waiter's subscription on the channel (releases then hand off). */
async function listening<T>(sub: Redis, channel: string, fn: () => Promise<T>): Promise<T> {
  await sub.subscribe(channel);
  try {
    return await fn();
  } finally {
    await sub.unsubscribe(channel);
  }
}

describe('the waiting line', () => {
  it('a release with nobody listening deletes the key, publishes nothing and marks nothing', async () => {
    const [c, psub] = raw([inject('redis1')[0]!, inject('redis1')[0]!]);
    const k = keys();
    await c!.set(k.key, 'holder', 'PX', 5_000);
    // A pattern subscriber hears every PUBLISH, but is no listener of the channel (NUMSUB).
    const got: string[] = [];
    psub!.on('pmessage', (_p: string, _ch: string, m: string) => got.push(m));
    await psub!.psubscribe(`${k.channel}*`);
    expect(await release(c!, k, 'holder')).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(got).toEqual([]);
    expect(await c!.exists(k.key, k.gone, k.queue, k.alive)).toBe(0);
    // Somebody listening, nobody in line (a waiter on several resources): a plain message.
    await c!.set(k.key, 'holder-2', 'PX', 5_000);
    const heard = await messages(raw(inject('redis1'))[0]!, k.channel, () => release(c!, k, 'holder-2'));
    expect(heard).toEqual([releaseMessage('holder-2')]);
    expect(await c!.get(k.gone)).toBe('holder-2');
  });

  it('a release that finds another value deletes nothing and marks the holder gone; one with its claim leaves the line', async () => {
    const [c] = raw(inject('redis1'));
    const k = keys();
    await c!.set(k.key, 'contender', 'PX', 5_000); // (its lock was lost here, a contender's vote took the key)
    expect(await release(c!, k, 'holder')).toBe(0);
    expect(await c!.get(k.key)).toBe('contender');
    expect(await c!.get(k.gone)).toBe('holder');
    // A lock waited for with a claim takes it out of line at its release, nobody listening or not.
    await c!.set(k.key, 'someone', 'PX', 5_000);
    expect(await attempt(c!, k, 'v1', '~mine', 1)).toBe(0); // refused: in line
    expect(await c!.zscore(k.queue, '~mine')).not.toBeNull();
    await c!.set(k.key, 'holder-3', 'PX', 5_000);
    expect(await release(c!, k, 'holder-3', '~mine')).toBe(1);
    expect(await c!.exists(k.key)).toBe(0);
    expect(await c!.zscore(k.queue, '~mine')).toBeNull();
    expect(await c!.zscore(k.alive, '~mine')).toBeNull();
  });

  it('refused waiters queue by their place; the release hands the lock to the first and names it', async () => {
    const [c, sub] = raw([inject('redis1')[0]!, inject('redis1')[0]!]);
    const k = keys();
    await c!.set(k.key, 'holder-value', 'PX', 5_000);
    // Arriving here in the other order than their places: the place decides.
    expect(await attempt(c!, k, 'v-late', 'claim-second', 2_000)).toBe(0);
    expect(await attempt(c!, k, 'v-early', 'claim-first', 1_000)).toBe(0);
    // A renewed entry keeps its place.
    expect(await attempt(c!, k, 'v-late-2', 'claim-second', 9_999)).toBe(0);
    expect(await c!.zrange(k.queue, 0, -1)).toEqual(['claim-first', 'claim-second']);

    const heard = await messages(sub!, k.channel, () => release(c!, k, 'holder-value'));
    expect(heard).toEqual([handedOver('holder-value', 'claim-first', 300)]); // the form wakeup.ts reads (keys.ts), to its process alone
    expect(await c!.get(k.key)).toBe('claim-first');
    expect(await c!.pttl(k.key)).toBeLessThanOrEqual(300);
    expect(await c!.get(k.gone)).toBe('holder-value');

    // The claim keeps out everyone but its waiter, whose attempt takes it as free.
    expect(await attempt(c!, k, 'v-other', 'claim-second', 2_000)).toBe(0);
    expect(await attempt(c!, k, 'v-first', 'claim-first', 1_000)).toBe(1);
    expect(await c!.get(k.key)).toBe('v-first');
    // Its release takes its claim out of line and hands on to the next.
    expect(await listening(sub!, k.channel, () => release(c!, k, 'v-first', 'claim-first'))).toBe(1);
    expect(await c!.get(k.key)).toBe('claim-second');
    expect(await c!.zrange(k.queue, 0, -1)).toEqual(['claim-second']);
  });

  it('a waiter that stopped trying lapses, and is passed over', async () => {
    const [c, sub] = raw([inject('redis1')[0]!, inject('redis1')[0]!]);
    const k = keys();
    await c!.set(k.key, 'holder', 'PX', 5_000);
    expect(await attempt(c!, k, 'v-dead', 'claim-dead', 1, 20)).toBe(0); // an entry that lasts 20 ms
    expect(await attempt(c!, k, 'v-live', 'claim-live', 2, 10_000)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 40));
    const heard = await messages(sub!, k.channel, () => release(c!, k, 'holder'));
    expect(heard).toEqual([handedOver('holder', 'claim-live', 300)]);
    expect(await c!.get(k.key)).toBe('claim-live');
    expect(await c!.zrange(k.queue, 0, -1)).toEqual(['claim-live']);
  });

  it('a named waiter that never comes loses its claim: it lapses within the hand-off time', async () => {
    const [c, sub] = raw([inject('redis1')[0]!, inject('redis1')[0]!]);
    const k = keys();
    await c!.set(k.key, 'holder', 'PX', 5_000);
    expect(await attempt(c!, k, 'v1', 'claim-gone', 1)).toBe(0);
    expect(await attempt(c!, k, 'v2', 'claim-next', 2)).toBe(0);
    await listening(sub!, k.channel, () => release(c!, k, 'holder'));
    expect(await c!.get(k.key)).toBe('claim-gone');
    // Its entry now lasts no longer than the claim (300 ms here), unless it tries again.
    const lapses = Number(await c!.zscore(k.alive, 'claim-gone'));
    const [s, us] = await c!.time();
    expect(lapses - (Number(s) * 1_000 + Math.floor(Number(us) / 1_000))).toBeLessThanOrEqual(300);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await c!.exists(k.key)).toBe(0); // the claim expired: the lock is free for anyone
    // The next release passes it over.
    await c!.set(k.key, 'holder-2', 'PX', 5_000);
    await listening(sub!, k.channel, () => release(c!, k, 'holder-2'));
    expect(await c!.get(k.key)).toBe('claim-next');
  });

  it('a waiter giving up passes a lock handed to it on to the next in line', async () => {
    const [c, sub] = raw([inject('redis1')[0]!, inject('redis1')[0]!]);
    const k = keys();
    await c!.set(k.key, 'holder', 'PX', 5_000);
    await attempt(c!, k, 'v1', 'claim-a', 1);
    await attempt(c!, k, 'v2', 'claim-b', 2);
    await listening(sub!, k.channel, () => release(c!, k, 'holder'));
    expect(await c!.get(k.key)).toBe('claim-a');
    // (what lock/ops.ts leave(…, pass) sends: the claim as the value, and out of line)
    expect(await listening(sub!, k.channel, () => release(c!, k, 'claim-a', 'claim-a'))).toBe(1);
    expect(await c!.get(k.key)).toBe('claim-b');
    expect(await c!.zrange(k.queue, 0, -1)).toEqual(['claim-b']);
  });

  it('a waiter on several resources is in no line, but marked present: a release is published for it', async () => {
    const [c, sub] = raw([inject('redis1')[0]!, inject('redis1')[0]!]);
    const p = prefix();
    const [qa, aa] = queueKeys(p, 'a');
    const [qb, ab] = queueKeys(p, 'b');
    const a: Keys = { key: lockKey(p, 'a'), gone: goneKey(p, 'a'), queue: qa, alive: aa, channel: releaseChannel(p, 'a') };
    await c!.set(a.key, 'holder', 'PX', 5_000);
    const reply = (await c!.eval(
      lua.acquire.script.source,
      6,
      a.key,
      lockKey(p, 'b'),
      qa,
      qb,
      aa,
      ab,
      'v',
      5_000,
      '0',
      0,
      '0',
      '0',
      'claim-m',
      1,
      10_000,
    )) as unknown[];
    expect(reply[0]).toBe(0);
    expect(await c!.exists(qa, qb)).toBe(0);
    expect(await c!.zscore(aa, 'claim-m')).not.toBeNull();
    const heard = await messages(sub!, a.channel, () => release(c!, a, 'holder'));
    expect(heard).toEqual([releaseMessage('holder')]);
    expect(await c!.exists(a.key)).toBe(0); // nobody's claim: free
  });

  it("an election's release is published without asking who listens here (its observers may listen elsewhere)", async () => {
    const [c, psub] = raw([inject('redis1')[0]!, inject('redis1')[0]!]);
    const k = keys('election:x');
    await c!.set(k.key, 'leader', 'PX', 5_000);
    const got: string[] = [];
    psub!.on('pmessage', (_p: string, _ch: string, m: string) => got.push(m));
    await psub!.psubscribe(`${k.channel}*`);
    await release(c!, k, 'leader', '', '1');
    await waitFor(() => got.length > 0);
    expect(got).toEqual([releaseMessage('leader')]);
  });

  it("an election's hand-off is told on the release channel too (its observers), not only to the next waiter's process", async () => {
    const [c, sub] = raw([inject('redis1')[0]!, inject('redis1')[0]!]);
    const k = keys('election:y');
    await c!.set(k.key, 'leader', 'PX', 5_000);
    expect(await attempt(c!, k, 'v-candidate', '~tagtagtgcandidate', 1)).toBe(0);
    const heard = await messages(sub!, k.channel, () => release(c!, k, 'leader', '', '1', '1'));
    const message = releaseMessage('leader', '~tagtagtgcandidate', 300);
    expect(heard.sort()).toEqual([`@tagtagtg ${message}`, message].sort());
    expect(await c!.get(k.key)).toBe('~tagtagtgcandidate');
  });

  it("a waiter's claim is no lock: a lock's cover or renewal re-takes a key holding one, never another value", async () => {
    const [c] = raw(inject('redis1'));
    const k = keys();
    const extend = (value: string, cover: '1' | '0'): Promise<unknown> => c!.eval(EXTEND, 1, k.key, value, 5_000, cover);
    await c!.set(k.key, '~claim-of-a-waiter.host/1', 'PX', 500);
    expect(((await extend('holder', '1')) as number[])[0]).toBe(3); // re-taken
    expect(await c!.get(k.key)).toBe('holder');
    await c!.set(k.key, '~another-claim.host/2', 'PX', 500);
    expect(((await extend('holder', '0')) as number[])[0]).toBe(3);
    expect(await c!.pttl(k.key)).toBeGreaterThan(4_000);
    await c!.set(k.key, 'another-lock', 'PX', 5_000);
    expect(((await extend('holder', '1')) as number[])[0]).toBe(0); // a lock's value: never
    expect(await c!.get(k.key)).toBe('another-lock');
  });
});

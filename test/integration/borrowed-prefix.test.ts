/**
 * A borrowed ioredis client with its own `keyPrefix`: ioredis prefixes the scripts' keys,
 * and so the channels releases publish on; waiters must listen on those, or hand-off falls
 * back to the retry delay.
 */
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { defer, prefix, redlock } from '../helpers/tenure.js';

describe('a borrowed client with an ioredis keyPrefix', () => {
  it('locks under its prefix, and a release wakes a waiter at once', async () => {
    const [url] = inject('redis1');
    const ioPrefix = `${prefix()}io:`;
    const client = new Redis(url!, { keyPrefix: ioPrefix });
    defer(() => client.disconnect());
    const plain = new Redis(url!);
    defer(() => plain.disconnect());
    const keyPrefix = prefix();
    const holder = redlock([client], { keyPrefix });
    const waiter = redlock([client], { keyPrefix, retryDelay: 5_000, retryJitter: 0 });
    const lock = await holder.acquire('job', { ttl: 30_000 });
    expect(await plain.get(`${ioPrefix}${keyPrefix}{job}`)).toBe(lock.value); // both prefixes
    const waiting = waiter.acquire('job', { ttl: 5_000, wait: 10_000 });
    // Let the waiter fail once and subscribe (its first retry would then be 5 s away).
    await expect.poll(() => plain.pubsub('NUMSUB', `${ioPrefix}${keyPrefix}{job}:released`).then((r) => Number(r[1]))).toBe(1);
    const released = performance.now();
    await lock.release();
    await waiting;
    expect(performance.now() - released).toBeLessThan(1_000);
  });
});

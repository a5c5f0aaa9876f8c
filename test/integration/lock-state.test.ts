/**
 * RedLock.net's lock state: a held Lock carries each server's answer from its acquisition
 * and its extension count; tryLock reports why no lock came (conflicted, no quorum).
 */
import { describe, expect, inject, it } from 'vitest';
import { lockKey } from '../../src/index.js';
import { prefix, raw, redlock } from '../helpers/tenure.js';
import { waitFor } from '../helpers/wait.js';

describe('lock state', () => {
  it("carries each server's answer: acquired, held by another (or no answer yet at the decision)", async () => {
    const urls = inject('redis3');
    const keyPrefix = prefix();
    await raw(urls)[2]!.set(lockKey(keyPrefix, 'x'), 'someone-else', 'PX', 10_000);
    const lock = await redlock(urls, { keyPrefix }).acquire('x', { ttl: 5_000 });
    expect(lock.outcomes.map((o) => o.instance)).toEqual(urls);
    expect(lock.outcomes.slice(0, 2).map((o) => o.status)).toEqual(['acquired', 'acquired']);
    expect(['held', 'pending']).toContain(lock.outcomes[2]!.status);
  });

  it('counts extensions, manual and automatic', async () => {
    const r = redlock(inject('redis3'));
    const lock = await r.acquire('x', { ttl: 300, autoExtend: true });
    expect(lock.extensions).toBe(0);
    await waitFor(() => lock.extensions >= 2, { timeout: 3_000 });
    const before = lock.extensions;
    await lock.extend(5_000);
    expect(lock.extensions).toBe(before + 1);
  });

  it('tryLock: acquired with the Lock; conflicted with the answers; no-quorum when servers fail', async () => {
    const urls = inject('redis3');
    const keyPrefix = prefix();
    const a = redlock(urls, { keyPrefix });
    const won = await a.tryLock('y', { ttl: 5_000 });
    expect(won.isAcquired).toBe(true);
    expect(won.status).toBe('acquired');
    expect(won.summary.acquired).toBeGreaterThanOrEqual(2);
    const lost = await redlock(urls, { keyPrefix }).tryLock('y', { ttl: 5_000 });
    expect(lost).toMatchObject({ isAcquired: false, status: 'conflicted', lock: null });
    expect(lost.outcomes.filter((o) => o.status === 'held').length).toBeGreaterThanOrEqual(2);
    const dead = redlock(['redis://127.0.0.1:1', 'redis://127.0.0.1:2', urls[0]!], { keyPrefix: prefix() });
    const none = await dead.tryLock('z', { ttl: 5_000 });
    expect(none.status).toBe('no-quorum');
    expect(none.summary.error).toBeGreaterThanOrEqual(2); // (the third: an error or no answer at the decision)
    expect(none.error?.name).toBe('QuorumError');
  });
});

/** fence.lua against a real server: the phase-2 raise never leaves a counter below the token. */
import { inject, describe, expect, it } from 'vitest';
import { fenceKey, lockKey } from '../../src/index.js';
import * as lua from '../../src/lua/scripts.generated.js';
import { prefix, raw } from '../helpers/tenure.js';

describe('fence.lua raise', () => {
  it('raises every counter of a multi-resource lock to the token, also when another counter is above it', async () => {
    const [c] = raw(inject('redis1'));
    const p = prefix();
    const keys = [lockKey(p, 'a'), lockKey(p, 'b'), fenceKey(p, 'a'), fenceKey(p, 'b')];
    await c!.set(keys[0]!, 'v', 'PX', 10_000);
    await c!.set(keys[1]!, 'v', 'PX', 10_000);
    // Uneven counters: a's ran ahead (a server clock ahead, a lost message), b's is behind.
    await c!.set(keys[2]!, '9000000000000000');
    await c!.set(keys[3]!, '5');
    const reply = await c!.eval(lua.fence.script.source, 4, ...keys, 'v', 'raise', '7000000000000000');
    expect(reply).toEqual([1, '9000000000000000']);
    expect(await c!.get(keys[3]!)).toBe('7000000000000000'); // b is raised to the token
    expect(await c!.get(keys[2]!)).toBe('9000000000000000'); // a is never lowered
    // The next token for b alone is above the raised one.
    const next = (await c!.eval(lua.fence.script.source, 2, keys[1]!, keys[3]!, 'v', 'next', '0')) as [number, string];
    expect(BigInt(next[1])).toBeGreaterThan(7000000000000000n);
  });

  it('does nothing where the lock is not held', async () => {
    const [c] = raw(inject('redis1'));
    const p = prefix();
    const keys = [lockKey(p, 'a'), fenceKey(p, 'a')];
    await c!.set(keys[1]!, '5');
    expect(await c!.eval(lua.fence.script.source, 2, ...keys, 'v', 'raise', '100')).toEqual([0, '']);
    expect(await c!.get(keys[1]!)).toBe('5');
  });
});

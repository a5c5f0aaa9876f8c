/** sem-pick.lua against a real server: the first k free slots in the client's order, all or none. */
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { fenceKey, lockKey } from '../../src/index.js';
import * as lua from '../../src/lua/scripts.generated.js';
import { prefix, raw } from '../helpers/tenure.js';

describe('sem-pick.lua', () => {
  let c: ReturnType<typeof raw>[0] | undefined;
  beforeEach(() => {
    [c] = raw(inject('redis1'));
  });
  const slots = (p: string): string[] => [0, 1, 2, 3].map((i) => lockKey(p, `semaphore:s#${i}`));
  const pick = (keys: string[], value: string, k: number, fence = false): Promise<unknown> => {
    const all = fence ? [...keys, ...keys.map((_, i) => fenceKey(keys[0]!.split('{')[0]!, `semaphore:s#${i}`))] : keys;
    return c!.eval(lua.semPick.script.source, all.length, ...all, value, 5_000, fence ? '1' : '0', 0, '0', k);
  };

  it('takes the first k free slots in the order given, and reports their positions', async () => {
    const keys = slots(prefix());
    await c!.set(keys[1]!, 'other', 'PX', 3_000);
    const reply = (await pick([keys[1]!, keys[2]!, keys[0]!, keys[3]!], 'v', 2)) as [number, string, number, string];
    expect(reply[0]).toBe(1);
    expect(reply[3]).toBe('2,3'); // positions in the given order: keys[2] and keys[0]
    expect(await c!.get(keys[2]!)).toBe('v');
    expect(await c!.get(keys[0]!)).toBe('v');
    expect(await c!.get(keys[3]!)).toBeNull();
  });

  it('takes nothing when fewer than k are free, and says when the first held one frees', async () => {
    const keys = slots(prefix());
    await c!.set(keys[0]!, 'a', 'PX', 3_000);
    await c!.set(keys[1]!, 'b', 'PX', 1_000);
    await c!.set(keys[2]!, 'c', 'PX', 2_000);
    const reply = (await pick(keys, 'v', 2)) as [number, number, number];
    expect(reply[0]).toBe(0);
    expect(reply[1]).toBeGreaterThan(0);
    expect(reply[1]).toBeLessThanOrEqual(1_000);
    expect(await c!.get(keys[3]!)).toBeNull();
  });

  it('issues one fencing token over the slots it takes, above their counters', async () => {
    const p = prefix();
    const keys = slots(p);
    await c!.set(fenceKey(p, 'semaphore:s#1'), '99999999999999999');
    const reply = (await pick(keys, 'v', 2, true)) as [number, string, number, string];
    expect(reply[3]).toBe('1,2');
    expect(BigInt(reply[1])).toBe(100000000000000000n);
    expect(await c!.get(fenceKey(p, 'semaphore:s#0'))).toBe(reply[1]);
    expect(await c!.get(fenceKey(p, 'semaphore:s#2'))).toBeNull();
  });
});

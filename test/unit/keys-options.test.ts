/** Key names and argument validation: pure, no redis-server. */
import { describe, expect, it } from 'vitest';
import { fenceKey, lockKey, markerKey, releaseChannel, resourceOf, unfitPrefix, unfitResource } from '../../src/keys.js';
import { resolveResources } from '../../src/args.js';
import { resolveAcquireOptions, resolveRedlockOptions } from '../../src/options/index.js';

describe('key names', () => {
  it("a lock's keys and channel share one hash tag; the server marker is outside every tag", () => {
    const tag = (key: string): string => /\{([^}]+)\}/.exec(key)![1]!;
    expect(tag(lockKey('app:', 'orders'))).toBe('orders');
    expect(tag(fenceKey('app:', 'orders'))).toBe('orders');
    expect(tag(releaseChannel('app:', 'orders'))).toBe('orders');
    expect(markerKey('app:')).toBe('app:server');
    expect(resourceOf('app:', lockKey('app:', 'a:b'))).toBe('a:b');
    expect(resourceOf('app:', fenceKey('app:', 'a'))).toBeUndefined();
  });

  it('names that would collide with Tenure’s own keys or split a lock across slots are unfit', () => {
    expect(unfitResource('sequence:x', true)).toMatch(/sequence:/);
    expect(unfitResource('sequence:x', false)).toBeUndefined(); // reading may name them
    expect(unfitResource('}x', false)).toMatch(/Cluster slots/);
    expect(unfitResource('orders', true)).toBeUndefined();
    expect(unfitPrefix('a{}:')).toMatch(/empty hash tag/);
    expect(unfitPrefix('app:{orders}:')).toBeUndefined();
  });
});

describe('argument validation', () => {
  it('names the argument, the value and its type', () => {
    expect(() => resolveRedlockOptions({ driftFactor: 'x' as unknown as number })).toThrow(/options\.driftFactor.*"x" \(string\)/);
    expect(() => resolveRedlockOptions({ renewBatch: 0 })).toThrow(RangeError);
    expect(() => resolveRedlockOptions({ nope: 1 } as never)).toThrow(/Unknown option `options\.nope`/);
    const base = resolveRedlockOptions({ restartQuarantine: 1_000 });
    expect(() => resolveAcquireOptions('acquire', { ttl: 2_000 }, base)).toThrow(/restartQuarantine/);
    expect(() => resolveAcquireOptions('acquire', { ttl: 2 ** 31 }, base)).toThrow(/2147483647/);
    expect(() => resolveResources([])).toThrow(RangeError);
    expect(() => resolveResources(['a', 'a'])).toThrow(/twice/);
    expect(resolveResources('a')).toEqual(['a']);
  });
});

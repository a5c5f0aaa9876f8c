/**
 * extend-batch.lua against a real server, with its arguments built by core/batch-args.ts as
 * the keepers build them: a result per lease, whatever the batch's mix of key counts, ttls
 * and value lengths; a layout that does not add up is refused before anything is written.
 */
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { markerKey } from '../../src/keys.js';
import { BatchArgs, valueBytes } from '../../src/core/batch-args.js';
import * as lua from '../../src/lua/scripts.generated.js';
import { commandCalls } from '../helpers/stats.js';
import { startRedis } from '../helpers/redis-server.js';
import { defer, prefix, raw } from '../helpers/tenure.js';

interface Lease {
  readonly keys: string[];
  readonly value: string;
  readonly ttl: number;
}

function build(leases: readonly Lease[]): { keys: string[]; argv: [string, string] } {
  const b = new BatchArgs();
  for (const l of leases) b.add(l.keys, l.value, valueBytes(l.value), l.ttl);
  return { keys: b.keys, argv: b.argv() };
}

describe('extend-batch.lua', () => {
  let c: ReturnType<typeof raw>[0] | undefined;
  beforeEach(() => {
    [c] = raw(inject('redis1'));
  });

  it('renews each lease to its own ttl and answers per lease: extended, held by another, re-taken', async () => {
    const p = prefix();
    const k = (name: string): string => `${p}{${name}}`;
    const leases: Lease[] = [
      { keys: [k('a')], value: 'aaaa.host/1', ttl: 5_000 },
      { keys: [k('b1'), k('b2')], value: 'bbbb.hôte-ünïcode/2', ttl: 8_000 }, // multi-byte: cut by bytes
      { keys: [k('c')], value: 'cccc.host/1', ttl: 5_000 },
      { keys: [k('d')], value: 'dddd.host/1', ttl: 5_000 },
      { keys: [k('e')], value: 'eeee.host/1', ttl: 5_000 },
    ];
    await c!.set(k('a'), 'aaaa.host/1', 'PX', 1_000);
    await c!.set(k('b1'), 'bbbb.hôte-ünïcode/2', 'PX', 1_000);
    await c!.set(k('b2'), 'bbbb.hôte-ünïcode/2', 'PX', 1_000);
    await c!.set(k('c'), 'another-holder', 'PX', 1_000);
    // d: missing here (a server that lost it): re-taken
    await c!.set(k('e'), 'eeee.host/1', 'PX', 1_000);
    const { keys, argv } = build(leases);
    expect(argv[0]).toBe('1:1:5000:11 1:2:8000:22 3:1:5000:11 '); // runs of leases alike
    const reply = (await c!.eval(lua.extendBatch.script.source, keys.length, ...keys, ...argv)) as number[];
    expect(reply.slice(1)).toEqual([1, 1, 0, 3, 1]);
    expect(reply[0]).toBeGreaterThan(1e15); // the server's clock in µs
    expect(await c!.pttl(k('a'))).toBeGreaterThan(4_000);
    expect(await c!.pttl(k('b1'))).toBeGreaterThan(7_000);
    expect(await c!.pttl(k('b2'))).toBeGreaterThan(7_000);
    expect(await c!.get(k('c'))).toBe('another-holder');
    expect(await c!.pttl(k('c'))).toBeLessThanOrEqual(1_000); // never extended
    expect(await c!.get(k('d'))).toBe('dddd.host/1');
    expect(await c!.pttl(k('e'))).toBeGreaterThan(4_000);
  });

  it('two leases of one batch that name the same missing key: the first re-takes it, the second finds it held by the first', async () => {
    const p = prefix();
    const key = `${p}{shared}`;
    const { keys, argv } = build([
      { keys: [key], value: 'first', ttl: 5_000 },
      { keys: [key], value: 'other', ttl: 5_000 },
    ]);
    const reply = (await c!.eval(lua.extendBatch.script.source, keys.length, ...keys, ...argv)) as number[];
    expect(reply.slice(1)).toEqual([3, 0]);
    expect(await c!.get(key)).toBe('first');
  });

  it('reads every key with one MGET, then expires each held key: no GET per key', async () => {
    const own = await startRedis(); // its own server: the counts are this test's alone
    defer(() => own.stop());
    const [server] = raw([own.url]);
    const p = prefix();
    const leases: Lease[] = Array.from({ length: 50 }, (_, i) => ({ keys: [`${p}{k${i}}`], value: `v${i}`, ttl: 5_000 }));
    for (const l of leases) await server!.set(l.keys[0]!, l.value, 'PX', 1_000);
    const { keys, argv } = build(leases);
    await server!.config('RESETSTAT');
    const reply = (await server!.eval(lua.extendBatch.script.source, keys.length, ...keys, ...argv)) as number[];
    expect(reply.slice(1)).toEqual(leases.map(() => 1));
    const calls = await commandCalls(server!);
    expect(calls).toMatchObject({ eval: 1, time: 1, mget: 1, pexpire: 50 });
    expect(calls.get).toBeUndefined();
  });

  it('a layout that does not match the keys and values is an error, and nothing is renewed', async () => {
    const p = prefix();
    const key = `${p}{x}`;
    await c!.set(key, 'vvvv', 'PX', 1_000);
    const run = (keys: string[], layout: string, values: string): Promise<unknown> =>
      c!.eval(lua.extendBatch.script.source, keys.length, ...keys, layout, values);
    const bad: Array<[string[], string, string]> = [
      [[key], '1:1:5000:4 ', 'vvvvv'], // a byte too many
      [[key], '1:1:5000:5 ', 'vvvv'], // a byte short
      [[key, `${p}{y}`], '1:1:5000:4 ', 'vvvv'], // a key more than the layout says
      [[key], '1:1:5000:4', 'vvvv'], // no space after the run
      [[key], '1:1:5000:4 x', 'vvvv'], // something after the runs
      [[key], '1:1:0:4 ', 'vvvv'], // ttl 0 would delete
      [[key], '1:0:5000:4 ', 'vvvv'], // a lease with no keys
      [[key], '', 'vvvv'],
    ];
    for (const [keys, layout, values] of bad) {
      await expect(run(keys, layout, values)).rejects.toThrow(/layout does not match/);
    }
    expect(await c!.pttl(key)).toBeLessThanOrEqual(1_000);
    expect(await run([key], '1:1:5000:4 ', 'vvvv')).toEqual([expect.any(Number), 1]);
  });

  it('a server in quarantine re-takes nothing, and still extends what it holds', async () => {
    const p = prefix();
    const held = `${p}{held}`;
    const missing = `${p}{missing}`;
    await c!.set(held, 'hhhh', 'PX', 1_000);
    const { keys, argv } = build([
      { keys: [held], value: 'hhhh', ttl: 5_000 },
      { keys: [missing], value: 'mmmm', ttl: 5_000 },
    ]);
    // No marker yet: the server's data may be incomplete, it is in quarantine for 20 s.
    const reply = (await c!.eval(lua.extendBatch.script.source, keys.length + 1, ...keys, markerKey(p), ...argv, 20_000, '1')) as number[];
    expect(reply.slice(1)).toEqual([1, 0]);
    expect(await c!.exists(missing)).toBe(0);
    expect(await c!.pttl(held)).toBeGreaterThan(4_000);
  });
});

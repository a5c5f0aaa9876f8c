/** The generated wrappers (scripts/build-lua.mjs): named KEYS and ARGV in, the script's call out. */
import { describe, expect, it } from 'vitest';
import * as lua from '../../src/lua/scripts.generated.js';

describe('script wrappers', () => {
  it('put the keys first, in header order, and count them', () => {
    const call = lua.acquire(
      { lock: ['l1', 'l2'], fence: ['f1', 'f2'], queue: [], alive: [], marker: 'm' },
      { value: 'v', ttl: 5_000, fence: true, quarantine: 9, marked: true, clock: true },
    );
    expect(call.script).toBe(lua.acquire.script);
    expect(call.numKeys).toBe(5);
    expect(call.keysAndArgs).toEqual(['l1', 'l2', 'f1', 'f2', 'm', 'v', 5_000, '1', 9, '1', '1']);
  });

  it('leave out an optional key that is not given, and send flags as 1 or 0', () => {
    const call = lua.acquire(
      { lock: ['l1'], fence: [], queue: [], alive: [] },
      { value: 'v', ttl: 5_000, fence: false, quarantine: 0, marked: false, clock: false },
    );
    expect(call.numKeys).toBe(1);
    expect(call.keysAndArgs).toEqual(['l1', 'v', 5_000, '0', 0, '0', '0']);
  });

  it('send an optional argument only when it and every optional one before it are given', () => {
    const keys = { lock: ['l1'] };
    expect(lua.extend(keys, { value: 'v', ttl: 10, cover: true, clock: false }).keysAndArgs).toEqual(['l1', 'v', 10, '1', '0']);
    expect(lua.extend(keys, { value: 'v', ttl: 10, cover: false, clock: true, quarantine: 7, marked: false }).keysAndArgs).toEqual([
      'l1',
      'v',
      10,
      '0',
      '1',
      7,
      '0',
    ]);
    expect(lua.extend(keys, { value: 'v', ttl: 10, cover: false, clock: false, marked: true }).keysAndArgs).toEqual([
      'l1',
      'v',
      10,
      '0',
      '0',
    ]);
    expect(lua.rwExtend({ writer: 'w', readers: 'r' }, { value: 'v', ttl: 10, side: 'read' }).keysAndArgs).toEqual([
      'w',
      'r',
      'v',
      10,
      'read',
    ]);
  });

  it('put groups of keys in header order, and send trailing optional arguments only when given', () => {
    const keys = { lock: ['l1'], fence: ['f1'], queue: ['q1'], alive: ['a1'], marker: 'm' };
    const args = { value: 'v', ttl: 5_000, fence: true, quarantine: 9, marked: true, clock: false };
    expect(lua.acquire(keys, args).keysAndArgs).toEqual(['l1', 'f1', 'q1', 'a1', 'm', 'v', 5_000, '1', 9, '1', '0']);
    const waiting = lua.acquire(keys, { ...args, claim: 'c', place: 7, claimTtl: 30 });
    expect(waiting.numKeys).toBe(5);
    expect(waiting.keysAndArgs.slice(5)).toEqual(['v', 5_000, '1', 9, '1', '0', 'c', 7, 30]);
  });

  it('count the keys of a group whose length varies', () => {
    const args = { layout: '3:1:10:2 ', values: 'v1v2v3', quarantine: 5, marked: true };
    const call = lua.extendBatch({ lock: ['a', 'b', 'c'], marker: 'm' }, args);
    expect(call.numKeys).toBe(4);
    expect(call.keysAndArgs).toEqual(['a', 'b', 'c', 'm', '3:1:10:2 ', 'v1v2v3', 5, '1']);
  });

  it('count fixed keys without looking at them', () => {
    const call = lua.undoTo({ lock: 'k', gone: 'g' }, { value: 'mine', holder: 'theirs', ttl: 3 });
    expect(call).toEqual({ script: lua.undoTo.script, numKeys: 2, keysAndArgs: ['k', 'g', 'mine', 'theirs', 3] });
    expect(lua.inspect({ lock: 'k', fence: 'f' })).toEqual({ script: lua.inspect.script, numKeys: 2, keysAndArgs: ['k', 'f'] });
  });

  it('carry the compiled script: its name and the sha1 of its source', async () => {
    const { createHash } = await import('node:crypto');
    for (const wrapper of Object.values(lua)) {
      const { name, sha1, source } = wrapper.script;
      expect(createHash('sha1').update(source).digest('hex'), name).toBe(sha1);
      expect(source.startsWith(`-- ${name}: `), name).toBe(true);
    }
  });
});

/**
 * release.lua's gone mark and undo-to.lua against a real server: a failed attempt hands its
 * vote to the holder a quorum reported only while that holder has not released here.
 */
import { inject, describe, expect, it } from 'vitest';
import { goneKey, lockKey, releaseChannel, releaseMessage } from '../../src/keys.js';
import * as lua from '../../src/lua/scripts.generated.js';
import { prefix, raw } from '../helpers/tenure.js';

function keys(): { key: string; gone: string; channel: string } {
  const p = prefix();
  return { key: lockKey(p, 'orders'), gone: goneKey(p, 'orders'), channel: releaseChannel(p, 'orders') };
}

describe('the gone mark', () => {
  it('a release that finds another value here marks the holder gone; the vote there is then freed, not handed to it', async () => {
    const [c] = raw(inject('redis1'));
    const { key, gone } = keys();
    await c!.set(key, 'contender', 'PX', 5_000); // a contender's partial vote
    expect(await c!.eval(lua.release.script.source, 2, key, gone, 'holder', ':released', 'PUBLISH', 10_000)).toBe(0);
    expect(await c!.get(gone)).toBe('holder');
    expect(await c!.pttl(gone)).toBeGreaterThan(9_000);
    // The contender's undo: the holder is gone, so the key is freed.
    expect(await c!.eval(lua.undoTo.script.source, 2, key, gone, 'contender', 'holder', 8_000)).toBe(2);
    expect(await c!.exists(key)).toBe(0);
  });

  it("a forced release marks the holder gone for its ttl left: a contender's vote is then freed, not handed back to it", async () => {
    // (Else a waiter that tried between the servers' forced releases hands its partial votes
    // to the deleted holder, server after server, and brings its lock back.)
    const [c] = raw(inject('redis1'));
    const { key, gone } = keys();
    await c!.set(key, 'holder', 'PX', 20_000);
    expect(await c!.eval(lua.forceRelease.script.source, 2, key, gone, ':released', 'PUBLISH')).toEqual(['holder', 0]);
    expect(await c!.exists(key)).toBe(0);
    expect(await c!.get(gone)).toBe('holder');
    expect(await c!.pttl(gone)).toBeGreaterThan(19_000);
    await c!.set(key, 'contender', 'PX', 5_000); // a waiter's vote, after the forced release here
    expect(await c!.eval(lua.undoTo.script.source, 2, key, gone, 'contender', 'holder', 19_000)).toBe(2);
    expect(await c!.exists(key)).toBe(0);
    // Nothing there: nothing marked.
    const other = keys();
    expect(await c!.eval(lua.forceRelease.script.source, 2, other.key, other.gone, ':released', 'PUBLISH')).toEqual(['', 0]);
    expect(await c!.exists(other.gone)).toBe(0);
  });

  it('a release that woke a waiter marks the holder gone; one that woke nobody writes nothing', async () => {
    const [c, sub] = raw([inject('redis1')[0]!, inject('redis1')[0]!]);
    const { key, gone, channel } = keys();
    await c!.set(key, 'holder', 'PX', 10_000);
    expect(await c!.eval(lua.release.script.source, 2, key, gone, 'holder', ':released', 'PUBLISH', 10_000)).toBe(1);
    expect(await c!.exists(key, gone)).toBe(0); // uncontended: no mark

    await sub!.subscribe(channel); // a waiter
    const heard = new Promise<string>((resolve) => sub!.once('message', (_channel: string, message: string) => resolve(message)));
    await c!.set(key, 'holder2-a-longer-value', 'PX', 10_000);
    expect(await c!.eval(lua.release.script.source, 2, key, gone, 'holder2-a-longer-value', ':released', 'PUBLISH', 10_000)).toBe(1);
    expect(await heard).toBe(releaseMessage('holder2-a-longer-value')); // the form the waiters compare (keys.ts)
    expect(await c!.exists(key)).toBe(0);
    expect(await c!.get(gone)).toBe('holder2-a-longer-value');
    // A contender's vote taken after the release here (its other servers answered before it):
    await c!.set(key, 'contender', 'PX', 5_000);
    expect(await c!.eval(lua.undoTo.script.source, 2, key, gone, 'contender', 'holder2-a-longer-value', 8_000)).toBe(2);
    expect(await c!.exists(key)).toBe(0);
    await sub!.unsubscribe(channel);
  });

  it('undo-to hands the vote to a holder that has not released here, and frees it once its validity is over', async () => {
    const [c] = raw(inject('redis1'));
    const { key, gone } = keys();
    await c!.set(key, 'contender', 'PX', 5_000);
    expect(await c!.eval(lua.undoTo.script.source, 2, key, gone, 'contender', 'holder', 8_000)).toBe(1);
    expect(await c!.get(key)).toBe('holder');
    expect(await c!.pttl(key)).toBeLessThanOrEqual(8_000);
    // Not this attempt's value any more: untouched.
    expect(await c!.eval(lua.undoTo.script.source, 2, key, gone, 'contender', 'holder', 8_000)).toBe(0);
    expect(await c!.get(key)).toBe('holder');

    await c!.set(key, 'contender', 'PX', 5_000);
    expect(await c!.eval(lua.undoTo.script.source, 2, key, gone, 'contender', 'holder', -3)).toBe(2);
    expect(await c!.exists(key)).toBe(0);
  });
});

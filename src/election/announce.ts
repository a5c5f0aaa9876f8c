/**
 * A new leader's announcement on the election's channel: `<term>.<id>`, published by the
 * elected candidate on every instance (announce.lua), so that the others learn of it at once.
 */
import { debuglog } from 'node:util';
import type { Context } from '../core/context.js';
import { leaderChannel } from '../keys.js';
import * as lua from '../lua/scripts.generated.js';

const debug = debuglog('tenure');

/** Tells the other candidates (one PUBLISH per instance; nobody waits for it). */
export function announce(ctx: Context, name: string, term: bigint, id: string): void {
  const channel = leaderChannel(ctx.options.keyPrefix, name);
  for (const instance of ctx.instances) {
    instance
      .eval(lua.announce({ channel }, { message: `${term}.${id}`, publish: instance.publish }))
      .catch((error: unknown) => debug('announce on %s: %s', instance.label, String(error)));
  }
}

/**
 * An announcement's term (-1 when what precedes the first '.' is not a decimal) and id (what
 * follows it); `named` when there is a '.' after at least one character.
 */
export function parseAnnouncement(payload: string): { term: bigint; id: string; named: boolean } {
  const dot = payload.indexOf('.');
  const head = payload.slice(0, dot);
  return { term: /^\d+$/.test(head) ? BigInt(head) : -1n, id: payload.slice(dot + 1), named: dot > 0 };
}

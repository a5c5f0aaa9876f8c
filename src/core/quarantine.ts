/**
 * The arguments by which extend.lua and extend-batch.lua learn the restart quarantine: a
 * server in quarantine may have lost locks, so it re-takes nothing (a re-take would later
 * count as its vote). The server's marker key goes last among the keys (not on a Cluster,
 * where a script's keys share one slot and the uptime alone tells); the quarantine and a
 * "marked" flag after the caller's own arguments. Without a quarantine: nothing added.
 */
import { markerKey } from '../keys.js';
import type { Context } from './context.js';
import type { Instance } from './endpoint.js';

type Args = (string | number)[];

/**
 * extend.lua's (and extend-batch.lua's) keys and arguments: with a restart quarantine, the
 * server's marker key last and the quarantine after `tail`, so that a server in quarantine
 * re-takes nothing; without one, just `keys` and `tail`.
 */
export function withQuarantine(
  ctx: Context,
  keys: readonly string[],
  tail: readonly (string | number)[],
): { args: Args | ((instance: Instance) => Args); numKeys: number | ((instance: Instance) => number) } {
  if (ctx.options.restartQuarantine <= 0) return { args: [...keys, ...tail], numKeys: keys.length };
  return {
    args: (instance) => quarantineCall(ctx, keys, tail, instance).args,
    numKeys: (instance) => quarantineCall(ctx, keys, tail, instance).numKeys,
  };
}

/** The same for one known instance (a cover: one server). */
export function quarantineCall(
  ctx: Context,
  keys: readonly string[],
  tail: readonly (string | number)[],
  instance: Instance,
): { args: Args; numKeys: number } {
  const q = ctx.options.restartQuarantine;
  if (q <= 0) return { args: [...keys, ...tail], numKeys: keys.length };
  if (instance.cluster) return { args: [...keys, ...tail, q, '0'], numKeys: keys.length };
  return { args: [...keys, markerKey(ctx.options.keyPrefix), ...tail, q, '1'], numKeys: keys.length + 1 };
}

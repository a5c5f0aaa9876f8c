/**
 * How the scripts that honour the restart quarantine (acquire, rw-acquire, sem-pick, extend,
 * extend-batch) learn it: a server in quarantine may have lost locks, so it votes for none
 * and re-takes nothing (a re-take would later count as its vote). The server's marker key
 * goes last among the keys (not on a Cluster, where a script's keys share one slot and the
 * uptime alone tells); the quarantine and a "marked" flag among the arguments. And how a
 * deliberate fresh start tells the servers so (markFresh).
 */
import { QuorumError } from '../errors.js';
import { markerKey } from '../keys.js';
import * as lua from '../lua/scripts.generated.js';
import type { Context } from './context.js';
import type { Instance } from './endpoint.js';
import { fanOut } from './fan-out.js';
import { decodeMark } from './replies.js';
import type { Invocation } from './scripts.js';

/** What such a script is given on one server. */
export interface QuarantineOn {
  /** KEYS: the server's marker key; absent on a Cluster and without a quarantine. */
  readonly marker?: string;
  /**
   * ARGV: the quarantine in ms and whether `marker` was sent; absent without a quarantine
   * (extend.lua and extend-batch.lua then get neither; the acquire scripts, which always take
   * them, get NO_QUARANTINE).
   */
  readonly args?: { readonly quarantine: number; readonly marked: boolean };
}

/** The acquire scripts' arguments without a quarantine. */
export const NO_QUARANTINE = Object.freeze({ quarantine: 0, marked: false });

const NONE: QuarantineOn = Object.freeze({});

/** What `instance` is given (a cover, a keeper thread's server: one known server). */
export function quarantineOn(ctx: Context, instance: Instance): QuarantineOn {
  const quarantine = ctx.options.restartQuarantine;
  if (quarantine <= 0) return NONE;
  if (instance.cluster) return { args: { quarantine, marked: false } };
  return { marker: markerKey(ctx.options.keyPrefix), args: { quarantine, marked: true } };
}

/**
 * `make`'s call for every server of a fan-out: made once per kind of server (plain or
 * Cluster), not once per server, and without a quarantine once for all.
 */
export function byQuarantine(ctx: Context, make: (q: QuarantineOn) => Invocation): Invocation | ((instance: Instance) => Invocation) {
  const quarantine = ctx.options.restartQuarantine;
  if (quarantine <= 0) return make(NONE);
  const onCluster = make({ args: { quarantine, marked: false } });
  const marked = make({ marker: markerKey(ctx.options.keyPrefix), args: { quarantine, marked: true } });
  return (instance) => (instance.cluster ? onCluster : marked);
}

/**
 * redlock.markFresh(): every server's marker dated one quarantine back (mark-fresh.lua), on
 * every server that is not a Cluster endpoint (those keep their uptime check). Resolves their
 * labels; throws QuorumError unless every one of them was marked.
 */
export async function markFresh(ctx: Context): Promise<readonly string[]> {
  const plain = ctx.instances.filter((i) => !i.cluster);
  const ballot = await fanOut(
    { ...ctx, instances: plain, quorum: plain.length },
    {
      script: lua.markFresh({ marker: markerKey(ctx.options.keyPrefix) }, { quarantine: ctx.options.restartQuarantine }),
      yes: 'marked',
      decode: decodeMark,
      waitAll: true,
    },
  );
  if (ballot.yes < plain.length) throw new QuorumError('could not mark every server fresh', [], ballot.outcomes, plain.length);
  return plain.map((i) => i.label);
}

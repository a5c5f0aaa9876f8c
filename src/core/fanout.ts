/**
 * One script on every instance, through the quorum poll: the shape every quorum operation
 * shares (acquire, release, extend, fence, inspect, job markers, sequences, counters).
 * A `replicated` write counts only once a replica has it, when replicaSync is on — and what
 * counts as a yes is the operation's own `yes` status, decoded once, here.
 */
import { QuorumError, type InstanceStatus } from '../errors.js';
import type { LuaScript } from './scripts.js';
import type { Context } from './context.js';
import type { Instance } from './endpoint.js';
import { poll, type Ballot, type Decoded } from './quorum.js';
import { synced } from './replica.js';

type Args = (string | number)[];

export interface ScriptCall<T> {
  readonly script: LuaScript;
  /** KEYS then ARGV; a function when they depend on the instance (its publish command). */
  readonly args: Args | ((instance: Instance) => Args);
  readonly numKeys: number;
  /** The status that counts as a vote for. */
  readonly yes: InstanceStatus;
  readonly decode: (reply: unknown) => Decoded<T>;
  /** A write that grants or keeps something: subject to replicaSync. */
  readonly replicated?: boolean;
  /** @default the Redlock's commandTimeout */
  readonly timeout?: number;
  /** Wait for every instance instead of settling at the decision. */
  readonly waitAll?: boolean;
  readonly onLate?: (index: number, decoded: Decoded<T>) => void;
}

/** Runs `call.script` on every instance in parallel; settles once the outcome is decided. */
export function fanOut<T>(ctx: Context, call: ScriptCall<T>): Promise<Ballot<T>> {
  const { script, numKeys, args } = call;
  // The hot path (acquire, release, extend) allocates nothing here it does not use.
  let send: (instance: Instance) => Promise<unknown>;
  if (call.replicated === true && ctx.options.replicaSync > 0) {
    const isYes = (reply: unknown): boolean => call.decode(reply).status === call.yes;
    send = (instance) =>
      synced(ctx, instance, () => instance.eval(script, typeof args === 'function' ? args(instance) : args, numKeys), isYes);
  } else if (typeof args === 'function') {
    send = (instance) => instance.eval(script, args(instance), numKeys);
  } else {
    send = (instance) => instance.eval(script, args, numKeys);
  }
  return poll({
    instances: ctx.instances,
    quorum: ctx.quorum,
    yes: call.yes,
    timeout: call.timeout ?? ctx.options.commandTimeout,
    clock: ctx.options.clock,
    waitAll: call.waitAll,
    send,
    decode: call.decode,
    onLate: call.onLate,
  });
}

/** Throws QuorumError (`could not <what>`) unless a quorum voted yes. */
export function requireQuorum(ctx: Context, ballot: Ballot<unknown>, what: string, resources: readonly string[]): void {
  if (ballot.yes < ctx.quorum) throw new QuorumError(`could not ${what}`, resources, ballot.outcomes, ctx.quorum);
}

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
  /** How many of `args` are keys; a function when it depends on the instance. */
  readonly numKeys: number | ((instance: Instance) => number);
  /** The status that counts as a vote for. */
  readonly yes: InstanceStatus;
  readonly decode: (reply: unknown) => Decoded<T>;
  /**
   * A write that grants or keeps something: subject to replicaSync, counted only from servers
   * in good standing, and refused once two endpoints were found to be one server.
   */
  readonly grants?: boolean;
  /** @default the Redlock's commandTimeout */
  readonly timeout?: number;
  /** Wait for every instance instead of settling at the decision. */
  readonly waitAll?: boolean;
  readonly onLate?: (index: number, decoded: Decoded<T> | undefined, error?: Error) => void;
}

/** Runs `call.script` on every instance in parallel; settles once the outcome is decided. */
export function fanOut<T>(ctx: Context, call: ScriptCall<T>): Promise<Ballot<T>> {
  const { script, numKeys, args } = call;
  if (call.grants === true && ctx.monitor.refused !== undefined) return Promise.reject(ctx.monitor.refused);
  // The hot path (acquire, release, extend) allocates nothing here it does not use.
  let send: (instance: Instance) => Promise<unknown>;
  if (typeof args !== 'function' && typeof numKeys !== 'function') {
    send = (instance) => instance.eval(script, args, numKeys);
  } else {
    const argsOf = typeof args === 'function' ? args : () => args;
    const keysOf = typeof numKeys === 'function' ? numKeys : () => numKeys;
    send = (instance) => instance.eval(script, argsOf(instance), keysOf(instance));
  }
  if (call.grants === true && ctx.options.replicaSync > 0) {
    const isYes = (reply: unknown): boolean => call.decode(reply).status === call.yes;
    const plain = send;
    send = (instance) => synced(ctx, instance, () => plain(instance), isYes);
  }
  return poll({
    instances: ctx.instances,
    quorum: ctx.quorum,
    yes: call.yes,
    timeout: call.timeout ?? ctx.options.commandTimeout,
    clock: ctx.options.clock,
    waitAll: call.waitAll,
    grants: call.grants,
    send,
    decode: call.decode,
    onLate: call.onLate,
    onError: ctx.telemetry.active ? ctx.telemetry.serverError : undefined,
  });
}

/** Throws QuorumError (`could not <what>`) unless a quorum voted yes. */
export function requireQuorum(ctx: Context, ballot: Ballot<unknown>, what: string, resources: readonly string[]): void {
  if (ballot.yes < ctx.quorum) throw new QuorumError(`could not ${what}`, resources, ballot.outcomes, ctx.quorum);
}

/**
 * The fan-out: one script on every instance (acquire, release, extend, fence, inspect, job
 * markers, sequences, counters), through the poll of core/ballot.ts, which settles as soon as
 * the outcome is decided. For an operation that grants (`grants`), the Redlock's standing
 * rules apply: refused once two endpoints were found to be one server, and with replicaSync
 * on, a write counts only once a replica has it.
 */
import { QuorumError, type InstanceStatus } from '../errors.js';
import { poll, type Ballot, type Decoded } from './ballot.js';
import type { Context } from './context.js';
import type { Instance } from './endpoint.js';
import { synced } from './replica.js';
import type { Call } from './scripts.js';

export interface ScriptCall<T> {
  /**
   * The script's call (a wrapper of src/lua/scripts.generated.ts); a function when it depends
   * on the instance (its publish command, its restart quarantine).
   */
  readonly script: Call | ((instance: Instance) => Call);
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
  const { script } = call;
  if (call.grants === true && ctx.monitor.refused !== undefined) return Promise.reject(ctx.monitor.refused);
  // The hot path (acquire, release, extend) allocates nothing here it does not use.
  let send: (instance: Instance) => Promise<unknown>;
  if (typeof script !== 'function') send = (instance) => instance.eval(script);
  else send = (instance) => instance.eval(script(instance));
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
  if (ballot.verdict !== 'quorum') throw new QuorumError(`could not ${what}`, resources, ballot.outcomes, ctx.quorum);
}

/**
 * A Redlock's shared context (core/context.ts), opened and closed: one Instance per endpoint,
 * the servers' monitor, the batched keeper or the keeper thread, the pub/sub waiter — and the
 * order of closing, which leaves no lock behind.
 */
import type { EventEmitter } from 'node:events';
import type { ResolvedOptions } from '../options/index.js';
import { ClosedError } from '../errors.js';
import { quorumOf } from './ballot.js';
import type { Context } from './context.js';
import { createInstances, type Instance } from './endpoint.js';
import { Monitor } from './monitor.js';
import { Renewer } from './renewer.js';
import type { Telemetry } from './telemetry.js';
import { ThreadKeeper } from './thread/host.js';
import { Wakeup } from './wakeup.js';

/**
 * Opens the connections (`endpoints` as RedlockOptions describe them, `options` validated)
 * and everything that serves them. Server news goes to `events` (and telemetry). Throws, with
 * every connection it opened closed again, when the endpoints cannot serve the options.
 */
export function openContext(
  endpoints: unknown,
  options: ResolvedOptions,
  events: EventEmitter,
  telemetry: Telemetry,
  assertOpen: () => void,
): Context {
  const monitor = new Monitor({
    strict: options.strict,
    driftFactor: options.driftFactor,
    // A suspect server is news, not an error: nobody need listen.
    emit: (event, ...args) => {
      telemetry.server(event, args[0]);
      events.emit(event, ...args);
    },
  });
  const instances = createInstances(endpoints, {
    commandTimeout: options.commandTimeout,
    autoPipelining: options.autoPipelining,
    clock: options.clock,
    monitor,
  });
  const cluster = instances.find((i) => i.cluster);
  checkReplicaSync(instances, options, cluster);
  const ctx: Context = {
    instances,
    quorum: quorumOf(instances.length),
    options,
    monitor,
    renewer: undefined,
    thread: undefined,
    wakeup: new Wakeup(instances, options.commandTimeout),
    telemetry,
    live: new Set(),
    services: new Set(),
    assertOpen,
    inflight: new Set(),
  };
  // One keeper renews every lease in batches; a batch script reaches one slot of a Cluster,
  // so there every lease renews alone.
  if (options.renewBatch > 1 && cluster === undefined) ctx.renewer = new Renewer(ctx, options.renewBatch);
  // keeper: 'thread': plain leases renew on a worker thread with its own connections (started
  // with the first lease); a server it cannot reach from there is a TypeError now.
  if (options.keeper === 'thread') {
    try {
      ctx.thread = new ThreadKeeper(ctx);
    } catch (error) {
      void Promise.allSettled(instances.map((i) => i.close()));
      throw error;
    }
  }
  return ctx;
}

/** replicaSync needs WAIT (ioredis clients), and no Cluster endpoint; else closes all and throws. */
function checkReplicaSync(instances: readonly Instance[], options: ResolvedOptions, cluster: Instance | undefined): void {
  const noWait = instances.find((i) => typeof (i.client as { wait?: unknown }).wait !== 'function');
  if (options.replicaSync > 0 && noWait && !cluster) {
    void Promise.allSettled(instances.map((i) => i.close()));
    throw new TypeError(`\`options.replicaSync\` needs clients with a wait() method (ioredis); ${noWait.label} has none`);
  }
  if (cluster && options.replicaSync > 0) {
    void Promise.allSettled(instances.map((i) => i.close()));
    throw new RangeError(
      `\`options.replicaSync\` is not supported on a Redis Cluster endpoint (${cluster.label}): WAIT would not reach the node that took the write`,
    );
  }
}

/** Ends everything openContext started; the locks still held are released first. */
export async function closeContext(ctx: Context): Promise<void> {
  // From here nothing is handed out: waits reject at once (ClosedError), and an attempt in
  // flight releases what it won — it is let finish (each is bounded by commandTimeout)
  // before anything else, so that no lock is left behind for its ttl.
  ctx.wakeup.interrupt(new ClosedError());
  await Promise.allSettled([...ctx.inflight]);
  // Elections resign and schedules stop (a run in progress is told through its signal);
  // then the locks still held are released.
  await Promise.allSettled([...ctx.services].map((service) => service.stop()));
  await Promise.allSettled([...ctx.live].map((lock) => lock.revoke('the Redlock was closed')));
  ctx.wakeup.close();
  await ctx.thread?.close();
  await Promise.allSettled(ctx.instances.map((i) => i.close()));
}

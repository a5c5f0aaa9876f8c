/**
 * Requests: the commands this process's ioredis connections write to the servers — every
 * library's alike (one ioredis here: the peers are handed ioredis clients, Tenure opens its
 * own) — counted as ioredis writes them. A server cannot tell them from the commands its
 * scripts run (INFO's total_commands_processed and commandstats count both alike: on Redis
 * 7.0 a script of 10 GETs adds 11 to each), so they are counted in the client. A command is
 * counted when ioredis sends it on a ready connection (autoPipelining too: a pipeline hands
 * each command to sendCommand), but for `ignore`d clients; the count costs a Map lookup per
 * command. ioredis's sendCommand is wrapped once per process; counters come and go.
 */
import { Redis } from 'ioredis';

export interface RequestCounter {
  /** Starts counting (from zero). */
  start(): void;
  /** Stops counting; the requests per server, in `urls` order. */
  read(): number[];
  /** A client of the bench's own (its INFOs are no library's requests). */
  ignore(client: Redis): void;
}

interface Counting {
  readonly index: Map<number, number>;
  readonly counts: number[];
  readonly ignored: WeakSet<Redis>;
}

const active = new Set<Counting>();
let wrapped = false;

function wrap(): void {
  if (wrapped) return;
  wrapped = true;
  const send = Reflect.get<Redis, 'sendCommand'>(Redis.prototype, 'sendCommand'); // (unbound: called with each client as `this`)
  Redis.prototype.sendCommand = function (this: Redis, ...args: Parameters<Redis['sendCommand']>) {
    if (active.size > 0 && this.status === 'ready') {
      const port = this.options.port ?? 6379;
      for (const c of active) {
        if (c.ignored.has(this)) continue;
        const i = c.index.get(port);
        if (i !== undefined) c.counts[i]!++;
      }
    }
    return send.apply(this, args);
  };
}

/** Counts the requests this process sends to each of `urls` (by port: loopback servers). */
export function countRequests(urls: readonly string[]): RequestCounter {
  wrap();
  const c: Counting = {
    index: new Map(urls.map((u, i) => [Number(new URL(u).port), i])),
    counts: urls.map(() => 0),
    ignored: new WeakSet(),
  };
  return {
    start: () => {
      c.counts.fill(0);
      active.add(c);
    },
    read: () => {
      active.delete(c);
      return [...c.counts];
    },
    ignore: (client) => void c.ignored.add(client),
  };
}

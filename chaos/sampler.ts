/**
 * What each server holds under the lock key, read every ~20 ms over a plain ioredis
 * connection of its own (straight to the server, never through a proxy): the server rows
 * of the timeline, and how the faults find the servers the holder holds.
 */
import { Redis } from 'ioredis';
import { now } from './protocol.js';

const INTERVAL_MS = 20;

/** What a server answered: the key's value, null (no key), or undefined (no answer: down, stalled, unreachable). */
export type Seen = string | null | undefined;

export interface Segment {
  readonly start: number;
  readonly end: number;
  readonly seen: Seen;
}

class Track {
  readonly client: Redis;
  readonly samples: Array<{ t: number; seen: Seen }> = [];
  pendingSince: number | undefined;

  constructor(url: string) {
    // No offline queue and no retries: a GET to a server that is down fails at once.
    this.client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 20, lazyConnect: false });
    this.client.on('error', () => undefined);
  }

  get latest(): Seen {
    return this.samples.at(-1)?.seen;
  }

  push(t: number, seen: Seen): void {
    const last = this.samples.at(-1);
    if (last && last.seen === seen) return; // keep changes only
    this.samples.push({ t, seen });
  }
}

export class Sampler {
  readonly #tracks: Track[];
  readonly #key: string;
  #timer: NodeJS.Timeout | undefined;
  #end: number | undefined;

  constructor(urls: readonly string[], key: string) {
    this.#key = key;
    this.#tracks = urls.map((u) => new Track(u));
  }

  get key(): string {
    return this.#key;
  }

  /** Connects; resolves once every server answered one GET. */
  async start(): Promise<void> {
    await Promise.all(this.#tracks.map((t) => t.client.ping().catch(() => undefined)));
    this.#timer = setInterval(() => this.#tick(), INTERVAL_MS);
    this.#tick();
  }

  #tick(): void {
    for (const track of this.#tracks) {
      const t = now();
      if (track.pendingSince !== undefined) {
        // The last GET has not come back (a stalled or black-holed server): no answer now.
        if (t - track.pendingSince > 2 * INTERVAL_MS) track.push(t, undefined);
        continue;
      }
      track.pendingSince = t;
      track.client.get(this.#key).then(
        (value) => {
          track.pendingSince = undefined;
          track.push(now(), value);
        },
        () => {
          track.pendingSince = undefined;
          track.push(now(), undefined);
        },
      );
    }
  }

  /** The latest answer of every server. */
  latest(): Seen[] {
    return this.#tracks.map((t) => t.latest);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#end = now();
    for (const t of this.#tracks) t.client.disconnect();
  }

  /** Server `i`'s answers as constant stretches, from its first answer to stop(). */
  segments(i: number): Segment[] {
    const samples = this.#tracks[i]?.samples ?? [];
    const end = this.#end ?? now();
    return samples.map((s, k) => ({ start: s.t, end: samples[k + 1]?.t ?? end, seen: s.seen }));
  }
}

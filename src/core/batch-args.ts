/**
 * extend-batch.lua's keys and arguments for one batch of leases, built once and sent as they
 * are to every server (the main thread's renewer and the keeper thread both build them here).
 *
 * Each lease's keys go one argument each, as Redis wants keys declared. Everything else goes
 * in two arguments for the whole batch: the values, concatenated, and a layout of runs of
 * leases alike (`count:keys:ttl:bytes `, see extend-batch.lua) — one run in the common case
 * where the leases share their key count, ttl and value length. A batch of m one-key leases
 * is then m + 2 arguments instead of 4m + 1: the client's cost of a command (ioredis copies,
 * converts and writes every argument on its own) and the server's parsing are per argument.
 */

export class BatchArgs {
  /** Every lease's keys, lease after lease: the script's KEYS. */
  readonly keys: string[] = [];
  /** How many leases were added. */
  leases = 0;
  #layout = '';
  /** Joined once, in argv(): one flat string, not a rope of m pieces for ioredis to flatten. */
  readonly #values: string[] = [];
  /** The open run: how many leases, and what they share. */
  #count = 0;
  #n = 0;
  #ttl = 0;
  #bytes = 0;

  /** One lease: its keys, its value, the value's length in UTF-8 bytes, the ttl to renew to. */
  add(keys: readonly string[], value: string, bytes: number, ttl: number): void {
    for (let i = 0; i < keys.length; i++) this.keys.push(keys[i]!);
    this.#values.push(value);
    this.leases++;
    if (this.#count > 0 && keys.length === this.#n && ttl === this.#ttl && bytes === this.#bytes) {
      this.#count++;
      return;
    }
    this.#close();
    this.#count = 1;
    this.#n = keys.length;
    this.#ttl = ttl;
    this.#bytes = bytes;
  }

  /** ARGV[1] and ARGV[2]: the layout and the values. */
  argv(): [layout: string, values: string] {
    this.#close();
    return [this.#layout, this.#values.join('')];
  }

  #close(): void {
    if (this.#count === 0) return;
    this.#layout += `${this.#count}:${this.#n}:${this.#ttl}:${this.#bytes} `;
    this.#count = 0;
  }
}

/** A value's length as extend-batch.lua counts it (bytes): once per lease, not per renewal. */
export function valueBytes(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

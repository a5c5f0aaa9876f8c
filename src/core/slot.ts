/**
 * Redis Cluster hash slots, computed here so that Tenure can refuse, before any network
 * call, a multi-resource lock whose keys would live on different Cluster nodes (a Lua script
 * runs on one node: Redis would answer CROSSSLOT), and group channels by slot for SSUBSCRIBE.
 *
 * The rule (Redis Cluster specification): if the key has a `{` followed later by a `}` with
 * at least one byte between them, only the bytes between the first `{` and the next `}` are
 * hashed; slot = CRC16-XMODEM(bytes) mod 16384.
 */
import { show } from '../args.js';

export const SLOT_COUNT = 16_384;

const TABLE = new Uint16Array(256);
for (let byte = 0; byte < 256; byte++) {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  TABLE[byte] = crc;
}

/** CRC16 (polynomial 0x1021, initial value 0, no reflection: "XMODEM") of some bytes. */
export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ b) & 0xff]!;
  return crc;
}

/** The Cluster hash slot of a key (a string, hashed as UTF-8). */
export function hashSlot(key: string): number {
  const bytes = Buffer.from(key, 'utf8');
  const open = bytes.indexOf(0x7b); // '{'
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1); // '}'
    if (close > open + 1) return crc16(bytes.subarray(open + 1, close)) % SLOT_COUNT;
  }
  return crc16(bytes) % SLOT_COUNT;
}

/**
 * Throws a RangeError when the keys of one lock fall in more than one hash slot. Called
 * only when an endpoint is a Redis Cluster; `keys[i]` is the key of `resources[i]`.
 */
export function assertOneSlot(resources: readonly string[], keys: readonly string[], endpoint: string): void {
  if (keys.length < 2) return;
  const first = hashSlot(keys[0]!);
  const other = keys.findIndex((k) => hashSlot(k) !== first);
  if (other < 0) return;
  throw new RangeError(
    `Expected the resources of one lock to share a Redis Cluster hash slot (endpoint ${endpoint} is a Cluster, ` +
      `and a lock's keys must live on one node), got ${show(resources[0])} in slot ${first} and ${show(resources[other])} ` +
      `in slot ${hashSlot(keys[other]!)}. Lock them separately, or give every key one hash tag with a keyPrefix such as 'app:{orders}:'.`,
  );
}

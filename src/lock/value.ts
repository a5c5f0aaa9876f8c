/** Lock values: 128 random bits, then the owner label. */
import { randomBytes } from 'node:crypto';

const POOL_SIZE = 16 * 256;
let pool = Buffer.alloc(0);
let offset = POOL_SIZE;

/** A fresh lock value: 128 random bits (crypto, drawn from a pool), then the owner label. */
export function lockValue(owner: string): string {
  if (offset >= POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + 16);
  offset += 16;
  return `${id}.${owner}`;
}

/** The owner label inside a lock value. */
export function ownerOf(value: string): string {
  const dot = value.indexOf('.');
  return dot < 0 ? '' : value.slice(dot + 1);
}

/**
 * The protected side of fencing, for data kept in Redis. A lock's TTL cannot stop a holder
 * that paused past its validity from writing when it resumes; the storage must refuse the
 * write. These helpers keep, beside each value, the highest fencing token that wrote it,
 * and refuse a write with a lower token — atomically, in one script.
 *
 * For SQL, keep a `fence` column and make every write conditional on it:
 *   UPDATE accounts SET balance = $1, fence = $2 WHERE id = $3 AND fence <= $2
 * and treat "0 rows updated" as "a newer holder has written: stop".
 */
import { decodeFencedGet, decodeFencedSet, type FencedWrite } from '../core/replies.js';
import { runScript, type ScriptClient } from '../core/scripts.js';
import * as lua from '../lua/scripts.generated.js';
import { duration, stringArg } from '../args.js';

export type { FencedWrite } from '../core/replies.js';

function tokenArg(token: unknown): bigint {
  if (typeof token !== 'bigint' || token < 0n) {
    throw new TypeError(
      `Expected \`token\` to be a non-negative bigint fencing token, got ${typeof token === 'bigint' ? String(token) : typeof token}`,
    );
  }
  return token;
}

/**
 * Writes `value` to `key` if `token` is at least the highest token seen for `key`.
 * `key` holds a hash (fields `value` and `fence`); read it back with fencedGet.
 */
export async function fencedSet(
  client: ScriptClient,
  key: string,
  value: string,
  token: bigint,
  options: { ttl?: number } = {},
): Promise<FencedWrite> {
  stringArg('key', key, false);
  stringArg('value', value, true);
  const t = tokenArg(token);
  const ttl = options.ttl === undefined ? '' : duration('options.ttl', options.ttl, 0, 1);
  return decodeFencedSet(await runScript(client, lua.fencedSet({ hash: key }, { token: t.toString(), value, ttl })));
}

/** Reads a value written by fencedSet, with the token that wrote it; null when absent. */
export async function fencedGet(client: ScriptClient, key: string): Promise<{ value: string; token: bigint } | null> {
  stringArg('key', key, false);
  return decodeFencedGet(await runScript(client, lua.fencedGet({ hash: key })));
}

/** What a server says it ran (INFO commandstats): the one place tests and the bench count calls. */
import type { Redis } from 'ioredis';

/** Calls per command since the last CONFIG RESETSTAT, e.g. { evalsha: 12, eval: 1, info: 2 }. */
export async function commandCalls(client: Redis): Promise<Record<string, number>> {
  const calls: Record<string, number> = {};
  for (const m of (await client.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[m[1]!] = Number(m[2]);
  return calls;
}

/** Script calls (EVAL + EVALSHA) since the last CONFIG RESETSTAT. */
export async function scriptCalls(client: Redis): Promise<number> {
  const calls = await commandCalls(client);
  return (calls.eval ?? 0) + (calls.evalsha ?? 0);
}

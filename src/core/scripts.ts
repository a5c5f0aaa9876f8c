/**
 * Runs Lua scripts: EVAL the first time on a connection, EVALSHA after, so loading a script
 * never costs a round trip of its own. A NOSCRIPT (server restarted, SCRIPT FLUSH) falls
 * back to EVAL once and marks the script loaded again.
 */

/** A compiled script from src/lua (see scripts/build-lua.mjs). */
export interface LuaScript {
  readonly name: string;
  readonly sha1: string;
  readonly source: string;
}

/**
 * One call of a script: its KEYS then ARGV, and how many are keys. Built by the script's
 * wrapper (src/lua/scripts.generated.ts) from the names in its header, never by hand.
 */
export interface Invocation {
  readonly script: LuaScript;
  readonly numKeys: number;
  readonly keysAndArgs: readonly (string | number)[];
}

/**
 * `SET key value PX ttl NX`: an attempt on one lock key with nothing to check but the key
 * (lock/ops.ts attempt: no fencing token, no waiting line, no quarantine, no clock sample).
 * The same answer as acquire.lua's there, for a plain command's cost on the server — about a
 * sixth of a script's. Replies 'OK' (taken) or null (held).
 */
export interface SetNx {
  readonly setNx: string;
  readonly value: string;
  readonly ttl: number;
}

/** What an instance sends: a script's call, or a plain SET NX. */
export type Call = Invocation | SetNx;

/** The commands Tenure needs from a client. ioredis `Redis` and `Cluster` have them. */
export interface ScriptClient {
  evalsha(sha1: string, numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
  /** SET with PX and NX (SetNx); a client without it runs acquire.lua instead. */
  set?(key: string, value: string, px: 'PX', ttl: number, nx: 'NX'): Promise<unknown>;
}

/** Whether `client` can send a SetNx. */
export function canSetNx(client: ScriptClient): boolean {
  return typeof client.set === 'function';
}

/** Scripts known to be loaded, per client object (never a property on the user's client). */
const loaded = new WeakMap<object, Set<string>>();

export function runScript(client: ScriptClient, call: Call): Promise<unknown> {
  if ('setNx' in call) return client.set!(call.setNx, call.value, 'PX', call.ttl, 'NX');
  const { script, numKeys, keysAndArgs } = call;
  let known = loaded.get(client);
  if (known === undefined) {
    known = new Set();
    loaded.set(client, known);
  }
  if (!known.has(script.sha1)) {
    // One round trip: EVAL both loads the script and runs it.
    known.add(script.sha1);
    return client.eval(script.source, numKeys, ...keysAndArgs);
  }
  // One round trip: EVALSHA; a second one only when the server forgot the script.
  return client.evalsha(script.sha1, numKeys, ...keysAndArgs).catch((error: unknown) => {
    if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
      return client.eval(script.source, numKeys, ...keysAndArgs);
    }
    throw error;
  });
}

/** Forget what was loaded on a client (after a reconnect to a possibly restarted server). */
export function forgetScripts(client: object): void {
  loaded.delete(client);
}

/**
 * Test rig: polling and event helpers that replace fixed sleeps in tests.
 */

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Poll `fn` until it returns (or resolves to) a truthy value, and return that value.
 * Errors thrown by `fn` count as "not yet". When the deadline passes, rejects with
 * an Error carrying `message` and the last error (as text and as `cause`).
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  opts: { timeout?: number; interval?: number; message?: string } = {},
): Promise<NonNullable<T>> {
  const timeout = opts.timeout ?? 5_000;
  const interval = opts.interval ?? 5;
  const deadline = performance.now() + timeout;
  let last: { error: unknown } | { value: unknown };
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (performance.now() >= deadline) break;
    await sleep(Math.max(0, Math.min(interval, deadline - performance.now())));
  }
  const base = opts.message ?? `waitFor: condition not met within ${timeout} ms`;
  if ('error' in last) {
    throw new Error(`${base} (last error: ${describe(last.error)})`, { cause: last.error });
  }
  throw new Error(`${base} (last value: ${String(last.value)})`);
}

/**
 * Resolve with the first argument of the next `event` from `emitter`; reject if it
 * does not arrive within `timeoutMs` (default 5000).
 */
export function once<T>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- accepts any EventEmitter-like object
  emitter: { once(ev: string, cb: (...a: any[]) => void): unknown },
  event: string,
  timeoutMs = 5_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const listener = (...args: unknown[]): void => {
      clearTimeout(timer);
      resolve(args[0] as T);
    };
    const timer = setTimeout(() => {
      const off = (emitter as { removeListener?: (ev: string, cb: (...a: unknown[]) => void) => unknown }).removeListener;
      if (typeof off === 'function') off.call(emitter, event, listener);
      reject(new Error(`once: event "${event}" not emitted within ${timeoutMs} ms`));
    }, timeoutMs);
    emitter.once(event, listener);
  });
}

/**
 * The one pause Tenure waits with: abortable, and optionally unref'd (a background wait that
 * must never hold the process open). `pause` is the same wait for loops that stop on their
 * own when the signal aborts, rather than throw.
 */

/** Resolves after `ms`, or rejects with the signal's reason once it aborts. */
export function sleep(ms: number, signal?: AbortSignal, opts: { readonly unref?: boolean } = {}): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, Math.ceil(ms)),
    );
    if (opts.unref === true) timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves after `ms`, or at once when `signal` aborts; never rejects. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return sleep(ms, signal).catch(() => undefined);
}

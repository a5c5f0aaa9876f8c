/** What a demo worker reports to the demo: one JSON object per line on its stdout. */

export type WorkerEvent =
  | { readonly t: 'ready'; readonly at: number }
  /** Took the job lock; `until` is the wall-clock end of its validity. */
  | { readonly t: 'acquired'; readonly at: number; readonly token: string; readonly until: number }
  /** Wrote the job's result to the fenced store with `token`. */
  | { readonly t: 'wrote'; readonly at: number; readonly token: string; readonly accepted: boolean; readonly highest: string }
  /** Let go of the job lock (`at`: just before the release). */
  | { readonly t: 'released'; readonly at: number; readonly token: string }
  | { readonly t: 'elected'; readonly at: number; readonly term: string }
  | { readonly t: 'demoted'; readonly at: number; readonly term: string; readonly reason: string }
  /** Redis trouble the worker rides out (a timeout, a failed campaign attempt). */
  | { readonly t: 'trouble'; readonly at: number; readonly message: string };

export function encode(event: WorkerEvent): string {
  return JSON.stringify(event) + '\n';
}

/** The event on a line, or undefined for anything else (a stray line is not fatal). */
export function decode(line: string): WorkerEvent | undefined {
  try {
    const e = JSON.parse(line) as { t?: unknown; at?: unknown };
    return typeof e === 'object' && e !== null && typeof e.t === 'string' && typeof e.at === 'number' ? (e as WorkerEvent) : undefined;
  } catch {
    return undefined;
  }
}

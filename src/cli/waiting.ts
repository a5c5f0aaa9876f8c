/**
 * What `tenure run` says while it waits for a lock, on stderr: on a terminal, one live
 * line (redrawn in place) with the holder, its time left and how long we have waited; with
 * --verbose, a line each time the holder changes and, once acquired, how long it took. The
 * holder is read with `redlock.inspect` about twice a second, beside the acquisition.
 */
import type { Lock, Redlock } from '../index.js';
import { debug, human, oneLine } from './common.js';

export interface WaitView {
  readonly redlock: Redlock;
  readonly resource: string;
  /** Set for a semaphore: the number of permits (no single holder to show). */
  readonly permits?: number;
  readonly verbose: boolean;
  /** Whether stderr is a terminal: draw the live line. */
  readonly live: boolean;
}

interface Holder {
  readonly owner: string;
  /** Time left on the lock when read, ms, and when it was read. */
  readonly remaining: number;
  readonly readAt: number;
}

const LOOK_EVERY = 500;
const DRAW_EVERY = 200;

export class WaitStatus {
  readonly #v: WaitView;
  readonly #started = performance.now();
  #holder: Holder | null | undefined;
  #drawn = false;
  #look: NodeJS.Timeout | undefined;
  #draw: NodeJS.Timeout | undefined;

  constructor(view: WaitView) {
    this.#v = view;
    if (!view.verbose && !view.live) return;
    // The first look after a moment: a lock taken at once prints nothing but the verbose summary.
    this.#look = setTimeout(() => void this.#lookAgain(), 250);
    if (view.live) this.#draw = setInterval(() => this.#redraw(), DRAW_EVERY);
  }

  /** Time since the wait began, ms. */
  get waited(): number {
    return performance.now() - this.#started;
  }

  /** Stops; with --verbose, says how long it took (when `lock` was acquired). */
  stop(lock?: Lock): void {
    clearTimeout(this.#look);
    clearInterval(this.#draw);
    this.#look = undefined;
    this.#clear();
    if (lock && this.#v.verbose) {
      const token = lock.fencingToken === undefined ? '' : ` (fencing token ${lock.fencingToken})`;
      this.#line(`got the lock on ${JSON.stringify(this.#v.resource)} after ${human(this.waited)}${token}`);
    }
  }

  /** Writes a line of its own (above the live line, which is redrawn after). */
  #line(text: string): void {
    this.#clear();
    process.stderr.write(`tenure run: ${oneLine(text)}\n`);
  }

  async #lookAgain(): Promise<void> {
    const holder = await this.#read();
    if (this.#look === undefined) return; // stopped meanwhile
    const first = this.#holder === undefined;
    const changed = first || (this.#holder?.owner ?? null) !== (holder?.owner ?? null);
    this.#holder = holder;
    if (this.#v.verbose && changed) this.#line(`waiting for ${JSON.stringify(this.#v.resource)}: ${this.#describe()}`);
    this.#redraw();
    this.#look = setTimeout(() => void this.#lookAgain(), LOOK_EVERY);
  }

  async #read(): Promise<Holder | null> {
    if (this.#v.permits !== undefined) return null;
    try {
      const info = await this.#v.redlock.inspect(this.#v.resource);
      return info.held ? { owner: info.owner ?? 'another', remaining: info.remaining, readAt: performance.now() } : null;
    } catch (error) {
      debug('inspect %s: %s', this.#v.resource, String(error));
      return null;
    }
  }

  /** `held by host/123 (4.2 s left)`, the time left counted down since it was read. */
  #describe(): string {
    if (this.#v.permits !== undefined) return `all ${this.#v.permits} permits are held`;
    const holder = this.#holder;
    if (holder === undefined || holder === null) return 'held by another (changing hands)';
    const left = Math.max(0, holder.remaining - (performance.now() - holder.readAt));
    return `held by ${holder.owner} (${human(left)} left)`;
  }

  #redraw(): void {
    if (!this.#v.live || this.#holder === undefined) return;
    const text = `tenure run: waiting for ${JSON.stringify(this.#v.resource)} (${human(this.waited)}): ${this.#describe()}`;
    const width = process.stderr.columns > 10 ? process.stderr.columns - 1 : 79;
    process.stderr.write(`\r\x1b[2K${text.slice(0, width)}`);
    this.#drawn = true;
  }

  #clear(): void {
    if (!this.#drawn) return;
    process.stderr.write('\r\x1b[2K');
    this.#drawn = false;
  }
}

/**
 * The demo's live timeline: one row per worker, one cell per time slice. On a terminal it
 * is redrawn in place (ANSI), with the latest events under it; otherwise the events are
 * printed as plain lines as they happen, and the grid once at the end.
 */
const GLYPHS = { waiting: '·', holding: '█', leading: '═', both: '▓', elected: '★', paused: 'z', killed: 'X', dead: ' ' } as const;
type Glyph = keyof typeof GLYPHS;
const COLORS: Readonly<Partial<Record<Glyph, string>>> = {
  waiting: '2',
  holding: '32',
  leading: '33',
  both: '33',
  elected: '1;33',
  paused: '35',
  killed: '1;31',
};
const LOG_LINES = 7;

interface Row {
  readonly name: string;
  cells: Glyph[];
  holding: bigint | undefined;
  leading: bigint | undefined;
  elected: boolean;
  paused: boolean;
  killed: 'now' | 'done' | undefined;
}

export interface TimelineOptions {
  readonly out: { write(text: string): unknown; readonly columns?: number };
  /** Redraw in place with ANSI (a terminal), or print plain lines. */
  readonly live: boolean;
  readonly color: boolean;
  /** Milliseconds per cell. */
  readonly slice: number;
  readonly header: string;
}

export class Timeline {
  readonly #rows: Row[];
  readonly #o: TimelineOptions;
  readonly #t0 = Date.now();
  readonly #log: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #drawn = 0;

  constructor(names: readonly string[], options: TimelineOptions) {
    this.#o = options;
    this.#rows = names.map((name) => ({
      name,
      cells: [],
      holding: undefined,
      leading: undefined,
      elected: false,
      paused: false,
      killed: undefined,
    }));
  }

  start(): void {
    if (!this.#o.live) this.#o.out.write(this.#o.header + '\n');
    this.#timer = setInterval(() => this.#tick(), this.#o.slice);
  }

  /** Stops sampling and prints the final picture. */
  stop(): void {
    clearInterval(this.#timer);
    if (this.#o.live) this.#draw();
    else this.#o.out.write('\n' + this.#grid(false).join('\n') + '\n');
  }

  update(name: string, change: Partial<Pick<Row, 'holding' | 'leading' | 'paused'>> & { elected?: true; killed?: true }): void {
    const row = this.#row(name);
    if (row === undefined) return;
    if ('holding' in change) row.holding = change.holding;
    if ('leading' in change) row.leading = change.leading;
    if (change.paused !== undefined) row.paused = change.paused;
    if (change.elected) row.elected = true;
    if (change.killed) row.killed = 'now';
  }

  /** An event line: `+4.12s  worker-2  text`. */
  note(name: string, text: string): void {
    const line = `${this.#clock()}  ${name.padEnd(9)} ${text}`;
    if (this.#o.live) {
      this.#log.push(line);
      if (this.#log.length > LOG_LINES) this.#log.shift();
    } else {
      this.#o.out.write(line + '\n');
    }
  }

  #row(name: string): Row | undefined {
    return this.#rows.find((r) => r.name === name);
  }

  #clock(): string {
    return `+${((Date.now() - this.#t0) / 1000).toFixed(2)}s`.padStart(8);
  }

  #tick(): void {
    for (const row of this.#rows) row.cells.push(this.#glyph(row));
    if (this.#o.live) this.#draw();
  }

  #glyph(row: Row): Glyph {
    if (row.killed === 'done') return 'dead';
    if (row.killed === 'now') return ((row.killed = 'done'), 'killed');
    if (row.paused) return 'paused';
    if (row.elected) return ((row.elected = false), 'elected');
    if (row.holding !== undefined) return row.leading !== undefined ? 'both' : 'holding';
    return row.leading !== undefined ? 'leading' : 'waiting';
  }

  #draw(): void {
    const width = Math.max(40, (this.#o.out.columns || 100) - 1);
    const lines = [this.#o.header, ...this.#grid(this.#o.color), '', ...this.#log];
    while (lines.length < this.#drawn) lines.push('');
    let text = this.#drawn > 0 ? `\x1b[${this.#drawn}A` : '';
    for (const line of lines) text += `\r\x1b[2K${fit(line, width)}\n`;
    this.#drawn = lines.length;
    this.#o.out.write(text);
  }

  /** The ruler, one line per worker, and the legend. */
  #grid(color: boolean): string[] {
    const columns = (this.#o.out.columns || 100) - 1;
    const cells = Math.max(10, Math.min(120, columns - 42));
    const shown = Math.min(cells, Math.max(0, ...this.#rows.map((r) => r.cells.length)));
    const first = Math.max(0, Math.max(0, ...this.#rows.map((r) => r.cells.length)) - cells);
    let ruler = '';
    for (let i = first; i < first + shown; i++) {
      const mark = `${Math.round((i * this.#o.slice) / 1000)}s`;
      if (i % 10 === 0 && ruler.length <= i - first) ruler = ruler.padEnd(i - first) + mark;
    }
    const rows = this.#rows.map((row) => {
      const glyphs = row.cells.slice(first, first + shown).map((g) => paint(GLYPHS[g], color ? COLORS[g] : undefined));
      return `${row.name.padEnd(9)} ${glyphs.join('')}${' '.repeat(shown - glyphs.length)}  ${status(row)}`;
    });
    const legend = `${GLYPHS.waiting} waiting  ${GLYPHS.holding} holding the job  ${GLYPHS.leading} leading  ${GLYPHS.both} both  ${GLYPHS.elected} elected (hand-off)  ${GLYPHS.paused} paused  ${GLYPHS.killed} killed`;
    return [`${''.padEnd(10)}${ruler}`, ...rows, legend];
  }
}

function status(row: Row): string {
  if (row.killed) return 'killed (SIGKILL)';
  const parts = [];
  if (row.paused) parts.push('PAUSED (SIGSTOP)');
  if (row.leading !== undefined) parts.push(`leader, term …${String(row.leading).slice(-5)}`);
  if (row.holding !== undefined) parts.push(`job, token …${String(row.holding).slice(-5)}`);
  return parts.join('; ') || 'waiting';
}

function paint(text: string, code: string | undefined): string {
  return code === undefined ? text : `\x1b[${code}m${text}\x1b[0m`;
}

/** Cuts a line to `width` visible characters, keeping ANSI colour codes intact. */
function fit(line: string, width: number): string {
  let visible = 0;
  let out = '';
  // eslint-disable-next-line no-control-regex -- ANSI colour codes begin with ESC
  for (const part of line.split(/(\x1b\[[0-9;]*m)/)) {
    if (part.startsWith('\x1b[')) {
      out += part;
      continue;
    }
    const chars = [...part];
    const room = width - visible;
    out += chars.slice(0, Math.max(0, room)).join('');
    visible += Math.min(chars.length, Math.max(0, room));
  }
  return out + '\x1b[0m';
}

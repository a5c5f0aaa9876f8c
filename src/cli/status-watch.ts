/**
 * `tenure status --watch`: the status table, looked at every --interval. On a terminal the
 * screen is redrawn each time, and the cells whose holder, token or agreement changed since
 * the last look (and new rows) are shown in reverse video. Elsewhere (a pipe, a file, or
 * with --json) a new table is printed only when something other than the time left changed.
 */
import type { LockInfo } from '../index.js';
import { ENDING, onSignals } from './child.js';
import { EXIT, debug, oneLine, say, sleep } from './common.js';
import { forJson, render, rowsOf, type StatusOptions } from './status.js';

/** The columns whose change is news (not REMAINING, which always changes). */
const NEWS = [1, 3, 4];

export async function watch(look: () => Promise<LockInfo[]>, pattern: string, o: StatusOptions): Promise<number> {
  const stop = new AbortController();
  const off = onSignals(() => stop.abort(), ENDING);
  const live = process.stdout.isTTY && o.json !== true;
  let before: Map<string, string[]> | undefined;
  let printed: string | undefined;
  let trouble = '';
  try {
    while (!stop.signal.aborted) {
      try {
        const infos = await look();
        trouble = '';
        const rows = rowsOf(infos);
        const news = rows.map((r) => NEWS.map((i) => r[i]).join('\t')).join('\n') + `\n${infos.length}`;
        if (live) draw(infos, rows, before, pattern, o);
        else if (news !== printed) print(infos, pattern, o);
        printed = news;
        before = new Map(rows.map((r) => [r[0]!, r]));
      } catch (error) {
        const message = oneLine(error instanceof Error ? error.message : String(error));
        if (message !== trouble) say('status', message);
        trouble = message;
        debug('status --watch: %s', String(error));
      }
      await sleep(o.interval, stop.signal);
    }
    if (live) process.stdout.write('\n');
    return EXIT.ok;
  } finally {
    off();
  }
}

/** `before`: the rows of the last look by resource (undefined on the first: nothing is news yet). */
function draw(
  infos: readonly LockInfo[],
  rows: string[][],
  before: Map<string, string[]> | undefined,
  pattern: string,
  o: StatusOptions,
): void {
  const color = process.env['NO_COLOR'] === undefined;
  const mark = (row: number, column: number): boolean => {
    if (!color || before === undefined) return false;
    const old = before.get(rows[row]![0]!);
    if (old === undefined) return true; // a new row
    return NEWS.includes(column) && old[column] !== rows[row]![column];
  };
  const head = `tenure status --watch ${JSON.stringify(pattern)} every ${o.interval} ms  ${new Date().toLocaleTimeString()}  (Ctrl-C to stop)\n\n`;
  process.stdout.write(`\x1b[H\x1b[2J${head}${render(infos, pattern, o, mark)}`);
}

function print(infos: readonly LockInfo[], pattern: string, o: StatusOptions): void {
  if (o.json)
    return void process.stdout.write(
      `${JSON.stringify(infos.map(forJson), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`,
    );
  process.stdout.write(`${new Date().toISOString()}\n${render(infos, pattern, o)}\n`);
}

/**
 * Plain-text tables for people: columns padded to their widest cell. `mark(row, column)`
 * true shows that cell in reverse video (for a terminal: what changed).
 */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  mark: (row: number, column: number) => boolean = () => false,
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[], row: number): string =>
    cells
      .map((c, i) => {
        const last = i === cells.length - 1;
        const padded = last ? c : c.padEnd(widths[i]!);
        if (row < 0 || !mark(row, i)) return padded;
        return `\x1b[7m${c}\x1b[27m${last ? '' : ' '.repeat(widths[i]! - c.length)}`;
      })
      .join('  ')
      .trimEnd();
  return [line(header, -1), ...rows.map(line)].join('\n') + '\n';
}

/** JSON with bigints as strings and errors as their message. */
export function json(value: unknown): string {
  return (
    JSON.stringify(
      value,
      (_key, v: unknown) => {
        if (typeof v === 'bigint') return v.toString();
        if (v instanceof Error) return v.message;
        return v;
      },
      2,
    ) + '\n'
  );
}

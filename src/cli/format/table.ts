/** Plain text tables that fit a terminal width: the widest column gives way first. */

export interface Column {
  header: string;
  /** the column may be shortened (with an ellipsis) to fit */
  shrink?: boolean;
  align?: 'left' | 'right';
}

export function renderTable(
  columns: readonly Column[],
  rows: ReadonlyArray<readonly string[]>,
  width = 100,
): string {
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)),
  );
  const gap = 2;
  const total = () => widths.reduce((a, b) => a + b, 0) + gap * (columns.length - 1);
  // Shrink the widest shrinkable column until the table fits.
  while (total() > width) {
    let widest = -1;
    columns.forEach((c, i) => {
      if (c.shrink && widths[i]! > c.header.length && (widest < 0 || widths[i]! > widths[widest]!))
        widest = i;
    });
    if (widest < 0) break;
    widths[widest] = Math.max(columns[widest]!.header.length, widths[widest]! - (total() - width));
  }
  const cell = (text: string, i: number) => {
    const w = widths[i]!;
    const fitted = text.length > w ? `${text.slice(0, Math.max(0, w - 1))}…` : text;
    return columns[i]!.align === 'right' ? fitted.padStart(w) : fitted.padEnd(w);
  };
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => cell(c, i))
      .join(' '.repeat(gap))
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)].join('\n');
}

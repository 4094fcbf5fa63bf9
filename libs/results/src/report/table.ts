// Tables for the terminal (aligned plain text); the browser's tables are the dashboard's.

export interface Table {
  title?: string;
  columns: string[];
  rows: Array<Array<string | number>>;
}

function cellText(cell: string | number): string {
  return typeof cell === 'number' ? (Number.isInteger(cell) ? String(cell) : cell.toFixed(4)) : cell;
}

/** Numbers right-aligned, text left-aligned, columns separated by two spaces. */
export function renderTextTable(table: Table): string {
  const cells = [table.columns, ...table.rows.map((r) => r.map(cellText))];
  const widths = table.columns.map((_, c) => Math.max(...cells.map((row) => (row[c] ?? '').length)));
  const numeric = table.columns.map((_, c) => table.rows.length > 0 && table.rows.every((r) => typeof r[c] === 'number'));
  const line = (row: string[]) =>
    row.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  const out = [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)];
  return (table.title ? `${table.title}\n` : '') + out.join('\n');
}

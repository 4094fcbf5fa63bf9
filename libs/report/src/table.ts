// Tables for two audiences: a terminal (aligned plain text) and the HTML report.
import { escapeXml } from './line-chart';

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

export function renderHtmlTable(table: Table): string {
  const head = table.columns.map((c) => `<th>${escapeXml(c)}</th>`).join('');
  const body = table.rows
    .map((r) => `<tr>${r.map((cell) => `<td class="${typeof cell === 'number' ? 'num' : ''}">${escapeXml(cellText(cell))}</td>`).join('')}</tr>`)
    .join('\n');
  const caption = table.title ? `<caption>${escapeXml(table.title)}</caption>` : '';
  return `<table>${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

// Line charts as self-contained SVG (no script, no external assets), so a report opens anywhere.

export interface Series {
  name: string;
  /** [x, y] points; drawn in the given order. Non-finite values break the line. */
  points: Array<[number, number]>;
  /** Dashed lines tell a reference (e.g. the base model) from measurements. */
  dashed?: boolean;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  width?: number;
  height?: number;
}

// Colour-blind-safe palette (Okabe & Ito, 2008).
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000'];

/** Round tick positions ("nice numbers") covering [min, max] with about `count` ticks. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const rawStep = (max - min) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(rawStep));
  const residual = rawStep / magnitude;
  const step = (residual > 5 ? 10 : residual > 2 ? 5 : residual > 1 ? 2 : 1) * magnitude;
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${+(value / 1e9).toFixed(2)}B`;
  if (abs >= 1e6) return `${+(value / 1e6).toFixed(2)}M`;
  if (abs >= 1e3) return `${+(value / 1e3).toFixed(1)}k`;
  if (abs !== 0 && abs < 1e-3) return value.toExponential(1);
  return `${+value.toPrecision(4)}`;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function renderLineChart(chart: LineChart): string {
  const width = chart.width ?? 640;
  const height = chart.height ?? 320;
  const margin = { top: 34, right: 150, bottom: 46, left: 64 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;

  const finite = chart.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = finite.map(([x]) => x);
  const ys = finite.map(([, y]) => y);
  const xTicks = niceTicks(Math.min(...xs), Math.max(...xs));
  const yTicks = niceTicks(Math.min(...ys), Math.max(...ys));
  const [x0, x1] = [xTicks[0] ?? 0, xTicks[xTicks.length - 1] ?? 1];
  const [y0, y1] = [yTicks[0] ?? 0, yTicks[yTicks.length - 1] ?? 1];
  const sx = (x: number) => margin.left + ((x - x0) / (x1 - x0 || 1)) * plotW;
  const sy = (y: number) => margin.top + plotH - ((y - y0) / (y1 - y0 || 1)) * plotH;

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`);
  parts.push(`<text x="${margin.left}" y="18" font-size="13" font-weight="600">${escapeXml(chart.title)}</text>`);
  for (const t of yTicks) {
    const y = sy(t).toFixed(1);
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#555">${formatNumber(t)}</text>`);
  }
  for (const t of xTicks) {
    const x = sx(t).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${margin.top + plotH}" y2="${margin.top + plotH + 4}" stroke="#888"/>`);
    parts.push(`<text x="${x}" y="${margin.top + plotH + 16}" text-anchor="middle" fill="#555">${formatNumber(t)}</text>`);
  }
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)}</text>`);

  chart.series.forEach((series, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const dash = series.dashed ? ' stroke-dasharray="5 4"' : '';
    for (const run of finiteRuns(series.points)) {
      if (run.length === 1) {
        const [x, y] = run[0]!;
        parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${colour}"/>`);
        continue;
      }
      const d = run.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
      parts.push(`<polyline points="${d}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`);
    }
    const ly = margin.top + 10 + i * 16;
    const lx = margin.left + plotW + 12;
    parts.push(`<line x1="${lx}" x2="${lx + 18}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"${dash}/>`);
    parts.push(`<text x="${lx + 24}" y="${ly}" dominant-baseline="middle">${escapeXml(series.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function finiteRuns(points: Array<[number, number]>): Array<Array<[number, number]>> {
  const runs: Array<Array<[number, number]>> = [];
  let current: Array<[number, number]> = [];
  for (const p of points) {
    if (Number.isFinite(p[0]) && Number.isFinite(p[1])) current.push(p);
    else if (current.length) {
      runs.push(current);
      current = [];
    }
  }
  if (current.length) runs.push(current);
  return runs;
}

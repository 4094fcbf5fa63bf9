// The dashboard as one HTML page: uPlot, the page script and its data or where to poll for it, all
// inline, so the evaluator serves it at `/` and `cptflow run` writes it as report.html — one way to
// draw. The build copies uPlot and ../assets into dist (scripts/copy-dashboard-assets.js); nothing is
// fetched from a CDN.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DashboardData } from './dashboard-data';

export type DashboardMode =
  /** Served by the evaluator: the page polls `dataUrl` (GET /dashboard/data) every `pollMs`. */
  | { mode: 'live'; dataUrl: string; pollMs: number }
  /** A file: the data is embedded. */
  | { mode: 'static'; data: DashboardData };

/** dist/libs/results/assets/report, where the build puts uPlot and the page script. */
export const DASHBOARD_ASSETS_DIR = join(__dirname, '..', '..', 'assets', 'report');
const ASSETS = ['uPlot.iife.min.js', 'uPlot.min.css', 'dashboard.js', 'dashboard.css'] as const;

let cached: Record<(typeof ASSETS)[number], string> | undefined;

function assets(): Record<(typeof ASSETS)[number], string> {
  cached ??= Object.fromEntries(
    ASSETS.map((name) => {
      try {
        return [name, readFileSync(join(DASHBOARD_ASSETS_DIR, name), 'utf8')];
      } catch {
        throw new Error(`dashboard asset ${name} is missing from ${DASHBOARD_ASSETS_DIR}; run \`npm run build\` (it copies them)`);
      }
    }),
  ) as Record<(typeof ASSETS)[number], string>;
  return cached;
}

/** JSON that cannot end a <script> element early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderDashboardPage(mode: DashboardMode, title = 'cptflow'): string {
  const a = assets();
  const fallback =
    mode.mode === 'live'
      ? `This page draws its charts with JavaScript; the same data is at <a href="${escapeHtml(mode.dataUrl)}">${escapeHtml(mode.dataUrl)}</a>.`
      : 'This report draws its charts with JavaScript; enable it to see them.';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${a['uPlot.min.css']}
${a['dashboard.css']}</style></head>
<body><header><h1>${escapeHtml(title)}</h1><p id="status" class="status">Loading…</p><nav id="runs"></nav></header>
<div id="message" role="status" aria-live="polite"></div>
<main id="app"><noscript>${fallback}</noscript></main>
<script id="cptflow-config" type="application/json">${scriptJson(mode)}</script>
<script>${a['uPlot.iife.min.js']}</script>
<script>${a['dashboard.js']}</script>
</body></html>
`;
}

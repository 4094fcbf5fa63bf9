// A run's report as one self-contained HTML file: charts people would rather look at than read.
import { escapeXml, renderLineChart, type LineChart } from './line-chart';
import { renderHtmlTable, type Table } from './table';

export interface ReportSection {
  title: string;
  text?: string;
  charts?: LineChart[];
  tables?: Table[];
}

export interface Report {
  title: string;
  subtitle?: string;
  sections: ReportSection[];
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1400px;color:#222;padding:0 1rem}
h1{margin-bottom:.2rem}.sub{color:#666;margin-top:0}section{margin:2rem 0}.charts{display:flex;flex-wrap:wrap;gap:1rem}
table{border-collapse:collapse;margin:1rem 0}caption{text-align:left;font-weight:600;margin-bottom:.3rem}
th,td{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}`;

export function renderHtmlReport(report: Report): string {
  const sections = report.sections.map((s) => {
    const charts = (s.charts ?? []).map(renderLineChart).join('\n');
    const tables = (s.tables ?? []).map(renderHtmlTable).join('\n');
    const text = s.text ? `<p>${escapeXml(s.text)}</p>` : '';
    return `<section><h2>${escapeXml(s.title)}</h2>${text}<div class="charts">${charts}</div>${tables}</section>`;
  });
  const subtitle = report.subtitle ? `<p class="sub">${escapeXml(report.subtitle)}</p>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeXml(report.title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeXml(report.title)}</h1>${subtitle}
${sections.join('\n')}
</body></html>\n`;
}

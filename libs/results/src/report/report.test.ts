import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderDashboardPage, renderTextTable, type DashboardData } from './index';

test('text tables align numbers right and text left', () => {
  const text = renderTextTable({ columns: ['task', 'acc'], rows: [['arc_easy', 0.5], ['piqa', 0.625]] });
  const lines = text.split('\n');
  assert.equal(lines[0], 'task         acc');
  assert.equal(lines[2], 'arc_easy  0.5000');
  assert.equal(lines[3], 'piqa      0.6250');
});

test('the dashboard page inlines uPlot and its script, and no data can end the script element', () => {
  const data: DashboardData = { generatedAt: '2026-01-01T00:00:00.000Z', run: null, accounting: [], runs: [{ name: '</script><script>alert(1)</script>', training: [], checkpoints: [] }] };
  const html = renderDashboardPage({ mode: 'static', data }, 'report <1>');
  assert.match(html, /^<!doctype html>/);
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/, 'nothing is loaded from elsewhere');
  assert.match(html, /uPlot/);
  assert.match(html, /<title>report &lt;1&gt;<\/title>/);
  assert.equal(html.split('</script>').length - 1, 3, 'only the three script elements end: config, uPlot, page');
  const config = /<script id="cptflow-config" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!;
  assert.equal(JSON.parse(config).data.runs[0].name, data.runs[0]!.name, 'the escaped JSON reads back the same');
  const live = renderDashboardPage({ mode: 'live', dataUrl: '/dashboard/data', pollMs: 2000 });
  assert.match(live, /"mode":"live","dataUrl":"\/dashboard\/data","pollMs":2000/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { niceTicks, renderHtmlReport, renderLineChart, renderTextTable } from './index';

test('nice ticks are round numbers that cover the data range', () => {
  const ticks = niceTicks(0.37, 9.2);
  assert.deepEqual(ticks, [0, 2, 4, 6, 8, 10]);
  const small = niceTicks(2.031, 2.118);
  assert.ok(small[0]! <= 2.031 && small[small.length - 1]! >= 2.118);
  assert.ok(small.every((t) => Number.isFinite(t)));
});

test('a line chart draws one polyline per series and breaks lines at missing values', () => {
  const svg = renderLineChart({
    title: 'loss <train>',
    xLabel: 'tokens',
    yLabel: 'loss',
    series: [
      { name: 'domain', points: [[0, 3], [100, 2.5], [200, 2.1]] },
      { name: 'general', points: [[0, 3.2], [100, NaN], [200, 3.3], [300, 3.4]], dashed: true },
    ],
  });
  assert.equal((svg.match(/<polyline/g) ?? []).length, 2, 'domain line + the general line after the gap');
  assert.equal((svg.match(/<circle/g) ?? []).length, 1, 'the lone general point before the gap');
  assert.match(svg, /loss &lt;train&gt;/, 'titles are escaped');
  assert.match(svg, /stroke-dasharray/);
});

test('text tables align numbers right and text left', () => {
  const text = renderTextTable({ columns: ['task', 'acc'], rows: [['arc_easy', 0.5], ['piqa', 0.625]] });
  const lines = text.split('\n');
  assert.equal(lines[0], 'task         acc');
  assert.equal(lines[2], 'arc_easy  0.5000');
  assert.equal(lines[3], 'piqa      0.6250');
});

test('the HTML report is one self-contained document', () => {
  const html = renderHtmlReport({ title: 'Run r1', sections: [{ title: 'Loss', charts: [{ title: 'l', xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: [[0, 1], [1, 2]] }] }] }] });
  assert.match(html, /^<!doctype html>/);
  assert.doesNotMatch(html, /<script|src=|href=/, 'no scripts or external assets');
  assert.match(html, /<svg/);
});

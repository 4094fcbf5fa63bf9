#!/usr/bin/env node
// Part of `npm run build`: puts the dashboard's browser files (uPlot from node_modules, the page
// script and stylesheet from libs/results/assets/report) into dist, where the evaluator and `cptflow run`
// read them. The page inlines them; nothing is loaded from a CDN at run time.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist', 'libs', 'results', 'assets', 'report');
const uplot = path.dirname(require.resolve('uplot/package.json', { paths: [root] }));
const files = [
  [path.join(uplot, 'dist', 'uPlot.iife.min.js'), 'uPlot.iife.min.js'],
  [path.join(uplot, 'dist', 'uPlot.min.css'), 'uPlot.min.css'],
  [path.join(uplot, 'LICENSE'), 'uPlot.LICENSE'],
  [path.join(root, 'libs', 'results', 'assets', 'report', 'dashboard.js'), 'dashboard.js'],
  [path.join(root, 'libs', 'results', 'assets', 'report', 'dashboard.css'), 'dashboard.css'],
];
fs.mkdirSync(out, { recursive: true });
for (const [from, name] of files) fs.copyFileSync(from, path.join(out, name));

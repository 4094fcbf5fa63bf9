// The cptflow dashboard in the browser: draws DashboardData (see libs/results/src/report/dashboard-data.ts)
// with uPlot. Live, it polls the evaluator's GET /dashboard/data; as `cptflow run`'s report, the data
// is embedded in the page. Plain ES2020, no build step: the build copies this file next to uPlot.
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('cptflow-config').textContent);
  var selectedRun = new URLSearchParams(window.location.search).get('run');
  var PERPLEXITY_METRICS = ['token_perplexity', 'word_perplexity', 'byte_perplexity', 'bits_per_byte'];
  var COLORS = ['#1f6fb4', '#d1495b', '#2a9d8f', '#8d5fd3', '#e9a03b', '#6b705c'];
  var CHART = { width: 520, height: 250 };
  var state = { charts: {}, data: null, renders: 0, lastError: null };
  // Tests and curious people read what is drawn from here.
  window.cptflowDashboard = state;

  var app = document.getElementById('app');
  var statusLine = document.getElementById('status');
  var messageBox = document.getElementById('message');
  var runNav = document.getElementById('runs');

  function el(tag, attrs) {
    var node = document.createElement(tag);
    for (var key in attrs || {}) {
      if (key === 'text') node.textContent = attrs[key];
      else if (key === 'className') node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    }
    for (var i = 2; i < arguments.length; i++) if (arguments[i] != null) node.append(arguments[i]);
    return node;
  }

  function num(x, digits) {
    if (x === null || x === undefined || !isFinite(x)) return '–';
    var a = Math.abs(x);
    if (digits !== undefined) return x.toFixed(digits);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(2);
    return a >= 100 ? x.toFixed(1) : x.toPrecision(4);
  }

  function count(n) {
    return n === null || n === undefined ? 'unknown' : Number(n).toLocaleString('en-US');
  }

  function tokens(n) {
    if (n >= 1e9) return (n / 1e9).toFixed(n >= 1e10 ? 0 : 1) + 'B';
    if (n >= 1e6) return (n / 1e6).toFixed(n >= 1e7 ? 0 : 1) + 'M';
    if (n >= 1e3) return (n / 1e3).toFixed(n >= 1e4 ? 0 : 1) + 'k';
    return String(n);
  }

  function signed(x, digits) {
    if (x === null || x === undefined || !isFinite(x)) return '–';
    return (x > 0 ? '+' : x < 0 ? '−' : '±') + Math.abs(x).toFixed(digits);
  }

  function showMessage(text, kind) {
    messageBox.textContent = text || '';
    messageBox.className = text ? 'message ' + (kind || 'info') : '';
  }

  // ---- charts ---------------------------------------------------------------------------------

  /**
   * One chart over tokens seen: `lines` are [{label, color, xs, ys, dashed, points}], each with its own
   * x values (runs checkpoint at different tokens); uPlot.join aligns them on one x axis.
   */
  function drawChart(id, title, yLabel, lines, options) {
    options = options || {};
    var box = el('figure', { className: 'chart', id: id }, el('figcaption', { text: title }));
    var usable = lines.filter(function (l) { return l.xs.length > 0; });
    box.setAttribute('data-points', JSON.stringify(Object.fromEntries(usable.filter(function (l) { return !l.marker; }).map(function (l) { return [l.label, l.xs.length]; }))));
    if (usable.length === 0) {
      box.append(el('p', { className: 'empty', text: options.empty || 'Nothing recorded yet.' }));
      return box;
    }
    var data = uPlot.join(usable.map(function (l) { return [l.xs, l.ys]; }));
    var series = [{ label: 'tokens', value: function (u, v) { return v === null ? '–' : tokens(v); } }].concat(
      usable.map(function (l) {
        return {
          label: l.label,
          stroke: l.color,
          width: l.dashed ? 1.5 : 2,
          dash: l.dashed ? [6, 4] : undefined,
          spanGaps: true,
          points: { show: !!l.points, size: 7, fill: l.color },
          value: function (u, v) { return num(v); },
        };
      }),
    );
    var plotOptions = {
      width: CHART.width,
      height: CHART.height,
      series: series,
      scales: { x: { time: false }, y: options.log ? { distr: 3 } : {} },
      axes: [
        { label: 'tokens seen', values: function (u, ticks) { return ticks.map(tokens); } },
        { label: yLabel, size: 64, values: options.log ? logTickLabels : function (u, ticks) { return ticks.map(tickLabel); } },
      ],
      legend: { live: true },
    };
    var plot = new uPlot(plotOptions, data, box);
    state.charts[id] = { plot: plot, points: JSON.parse(box.getAttribute('data-points')) };
    return box;
  }

  /** Short axis labels: 0.003, 2.5, 1.8k, 25k. */
  function tickLabel(t) {
    if (t === null) return '';
    if (Math.abs(t) >= 1000) return tokens(t);
    return String(Number(t.toPrecision(3)));
  }

  /**
   * A log axis labels its decades; 2 and 5 too when it spans less than two decades, and every tick
   * when it spans less than one (labels must not run into each other, nor be missing).
   */
  function logTickLabels(u, ticks) {
    var scale = u.scales.y;
    var decades = Math.log10(scale.max / scale.min);
    return ticks.map(function (t) {
      var mantissa = Number((t / Math.pow(10, Math.floor(Math.log10(t) + 1e-9))).toPrecision(3));
      var keep = decades < 1 || mantissa === 1 || (decades < 2 && (mantissa === 2 || mantissa === 5));
      return keep ? tickLabel(t) : '';
    });
  }

  function runColor(runs, name) {
    return COLORS[runs.findIndex(function (r) { return r.name === name; }) % COLORS.length];
  }

  function scoreOf(checkpoint, task, metric) {
    return checkpoint.scores.find(function (s) { return s.task === task && s.metric === metric; });
  }

  /** A line of one run's checkpoint scores, and a dashed line at its base model's score. */
  function checkpointLines(runs, task, metric) {
    var lines = [];
    runs.forEach(function (run) {
      var xs = [], ys = [], base = null;
      run.checkpoints.forEach(function (c) {
        var s = scoreOf(c, task, metric);
        if (!s) return;
        xs.push(c.tokensSeen);
        ys.push(s.value);
        if (c.isBase) base = s.value;
      });
      var color = runColor(runs, run.name);
      lines.push({ label: run.name, color: color, xs: xs, ys: ys, points: true });
      if (base !== null && xs.length > 0) {
        lines.push({ label: run.name + ' base', color: color, xs: [Math.min.apply(null, xs), Math.max.apply(null, xs)], ys: [base, base], dashed: true, marker: true });
      }
    });
    return lines;
  }

  // ---- sections -------------------------------------------------------------------------------

  function section(title, text) {
    var s = el('section', {}, el('h2', { text: title }));
    if (text) s.append(el('p', { className: 'note', text: text }));
    return s;
  }

  function trainingSection(runs) {
    var s = section('Training', 'Per optimizer step, as the trainer publishes it; one line per run.');
    var grid = el('div', { className: 'charts' });
    [
      ['loss', 'Training loss', 'loss'],
      ['lr', 'Learning rate', 'lr'],
      ['gradNorm', 'Gradient norm (before clipping)', 'norm'],
      ['tokensPerSecond', 'Throughput', 'tokens/s'],
    ].forEach(function (m) {
      var lines = runs.map(function (run) {
        var pts = run.training.filter(function (p) { return p[m[0]] !== null; });
        return { label: run.name, color: runColor(runs, run.name), xs: pts.map(function (p) { return p.tokensSeen; }), ys: pts.map(function (p) { return p[m[0]]; }) };
      });
      grid.append(drawChart('training-' + m[0], m[1], m[2], lines, { empty: 'No training steps recorded yet.' }));
    });
    s.append(grid);
    return s;
  }

  function tasksIn(runs, perplexity) {
    var seen = new Map();
    runs.forEach(function (run) {
      run.checkpoints.forEach(function (c) {
        c.scores.forEach(function (s) {
          if ((PERPLEXITY_METRICS.indexOf(s.metric) >= 0) !== perplexity) return;
          var key = s.task + '/' + s.metric;
          if (!seen.has(key)) seen.set(key, { task: s.task, metric: s.metric });
        });
      });
    });
    return Array.from(seen.values()).sort(function (a, b) { return (a.task + a.metric).localeCompare(b.task + b.metric); });
  }

  function perplexitySection(runs) {
    var s = section('Held-out perplexity', 'Token perplexity per checkpoint (log scale); dashed: the base model the run started from. Domain falling is learning; general rising is forgetting.');
    var grid = el('div', { className: 'charts' });
    var sets = tasksIn(runs, true).filter(function (t) { return t.metric === 'token_perplexity'; });
    if (sets.length === 0) grid.append(el('p', { className: 'empty', text: 'No held-out perplexity has been scored yet.' }));
    sets.forEach(function (t) {
      grid.append(drawChart('perplexity-' + t.task, t.task.replace(/_/g, ' '), 'token perplexity', checkpointLines(runs, t.task, t.metric), { log: true }));
    });
    s.append(grid);
    return s;
  }

  function benchmarkSection(runs) {
    var s = section('Benchmarks', 'Each task\'s score per checkpoint with its standard error, and the change against the run\'s base model (Δ, with the stderr of the difference).');
    var tasks = tasksIn(runs, false);
    if (tasks.length === 0) {
      s.append(el('p', { className: 'empty', text: 'No benchmark task has been scored yet (held-out perplexity only, or no checkpoint evaluated).' }));
      return s;
    }
    var grid = el('div', { className: 'charts' });
    tasks.forEach(function (t) {
      grid.append(drawChart('task-' + t.task + '-' + t.metric, t.task + ' (' + t.metric + ')', t.metric, checkpointLines(runs, t.task, t.metric)));
    });
    s.append(grid);
    var head = el('tr', {}, el('th', { text: 'run' }), el('th', { text: 'step' }), el('th', { text: 'tokens' }));
    tasks.forEach(function (t) { head.append(el('th', { text: t.task + ' ' + t.metric })); });
    var body = el('tbody');
    runs.forEach(function (run) {
      run.checkpoints.forEach(function (c) {
        var row = el('tr', { 'data-checkpoint': String(c.id) }, el('td', { text: run.name }), el('td', { className: 'num', text: c.isBase ? 'base' : String(c.step) }), el('td', { className: 'num', text: tokens(c.tokensSeen) }));
        tasks.forEach(function (t) {
          var sc = scoreOf(c, t.task, t.metric);
          if (!sc) return row.append(el('td', { className: 'num missing', text: '–' }));
          var cell = el('td', { className: 'num score', 'data-task': t.task, 'data-metric': t.metric, 'data-value': String(sc.value), 'data-stderr': String(sc.stderr), 'data-delta': String(sc.delta) });
          cell.append(el('span', { className: 'value', text: num(sc.value, 4) }), el('span', { className: 'stderr', text: ' ± ' + num(sc.stderr, 4) }));
          if (!c.isBase) {
            var z = sc.delta !== null && sc.deltaStderr ? sc.delta / sc.deltaStderr : 0;
            cell.append(el('br'), el('span', { className: 'delta ' + (z >= 2 ? 'up' : z <= -2 ? 'down' : ''), text: 'Δ ' + signed(sc.delta, 4) + (sc.deltaStderr !== null ? ' ± ' + num(sc.deltaStderr, 4) : '') }));
          }
          row.append(cell);
        });
        body.append(row);
      });
    });
    s.append(el('table', { id: 'task-table' }, el('thead', {}, head), body));
    return s;
  }

  function pipelineSection(accounting) {
    var s = section('Pipeline', 'What each stage did since its processes started (summed over processes), and the records waiting for it (consumer lag).');
    if (accounting.length === 0) {
      s.append(el('p', { className: 'empty', text: 'No stage has reported its accounting yet.' }));
      return s;
    }
    var head = el('tr');
    ['stage', 'documents in', 'kept / written', 'rejected', 'duplicates', 'dead letters', 'consumer lag', 'processes', 'updated'].forEach(function (h) { head.append(el('th', { text: h })); });
    var body = el('tbody');
    var rules = [];
    accounting.forEach(function (a) {
      body.append(el('tr', { 'data-stage': a.stage },
        el('td', { text: a.stage }), el('td', { className: 'num', text: count(a.recordsIn) }), el('td', { className: 'num', text: count(a.recordsOut) }),
        el('td', { className: 'num', text: count(a.rejected) }), el('td', { className: 'num', text: count(a.duplicates) }),
        el('td', { className: 'num' + (a.deadLetters > 0 ? ' warn' : ''), text: count(a.deadLetters) }), el('td', { className: 'num', text: count(a.lag) }),
        el('td', { className: 'num', text: String(a.instances) }), el('td', { text: new Date(a.updatedAt).toLocaleTimeString() })));
      Object.keys(a.rejectedByRule).forEach(function (rule) { rules.push([a.stage, rule, a.rejectedByRule[rule]]); });
    });
    s.append(el('table', { id: 'pipeline-table' }, el('thead', {}, head), body));
    if (rules.length) {
      rules.sort(function (a, b) { return b[2] - a[2]; });
      var rb = el('tbody');
      rules.forEach(function (r) { rb.append(el('tr', {}, el('td', { text: r[0] }), el('td', { text: r[1] }), el('td', { className: 'num', text: count(r[2]) }))); });
      s.append(el('table', { id: 'rules-table' }, el('caption', { text: 'Rejected by rule' }), el('thead', {}, el('tr', {}, el('th', { text: 'stage' }), el('th', { text: 'filter / rule' }), el('th', { text: 'documents' }))), rb));
    }
    return s;
  }

  function renderRunNav(names) {
    runNav.textContent = '';
    if (names.length === 0) return;
    var link = function (label, run) {
      var href = run === null ? window.location.pathname : '?run=' + encodeURIComponent(run);
      return el('a', { href: href, className: run === selectedRun ? 'current' : '', text: label });
    };
    runNav.append('Runs: ', link('all side by side', null));
    names.forEach(function (n) { runNav.append(' · ', link(n, n)); });
  }

  // ---- data -----------------------------------------------------------------------------------

  function render(data) {
    var fingerprint = JSON.stringify([data.runs, data.accounting]);
    if (state.data && state.fingerprint === fingerprint) return;
    state.fingerprint = fingerprint;
    state.data = data;
    state.renders++;
    Object.keys(state.charts).forEach(function (id) { state.charts[id].plot.destroy(); });
    state.charts = {};
    app.textContent = '';
    if (data.runs.length === 0 && data.accounting.length === 0) {
      showMessage('No runs yet: the database holds no checkpoint, training step or stage accounting. This page updates by itself when the first ones arrive.', 'info');
      return;
    }
    showMessage('');
    if (data.run === null) renderRunNav(data.runs.map(function (r) { return r.name; }));
    app.append(trainingSection(data.runs), perplexitySection(data.runs), benchmarkSection(data.runs), pipelineSection(data.accounting));
  }

  /** The static report filters the embedded data as the server would. */
  function staticData() {
    var data = config.data;
    renderRunNav(data.runs.map(function (r) { return r.name; }));
    if (selectedRun === null) return data;
    var run = data.runs.find(function (r) { return r.name === selectedRun; });
    if (!run) return null;
    return Object.assign({}, data, { run: selectedRun, runs: [run] });
  }

  function unknownRun() {
    showMessage('There is no run named "' + selectedRun + '" in this report. Pick one of the runs listed above.', 'error');
  }

  async function poll() {
    var url = config.dataUrl + (selectedRun !== null ? '?run=' + encodeURIComponent(selectedRun) : '');
    try {
      var response = await fetch(url, { headers: { accept: 'application/json' } });
      var body = await response.json().catch(function () { return null; });
      if (response.ok) {
        state.lastError = null;
        render(body);
        statusLine.textContent = 'Live: updated ' + new Date().toLocaleTimeString() + '; refreshes every ' + Number((config.pollMs / 1000).toPrecision(2)) + ' s.';
      } else {
        var reason = body && body.message ? body.message : response.statusText;
        state.lastError = response.status;
        if (response.status === 404) {
          app.textContent = '';
          runNav.textContent = '';
          runNav.append(el('a', { href: window.location.pathname, text: 'Show all runs' }));
          showMessage('Unknown run "' + selectedRun + '": ' + reason + '.', 'error');
        } else if (response.status === 503) {
          // The evaluator's sentence already names the database and why.
          showMessage(reason.charAt(0).toUpperCase() + reason.slice(1) + '. The numbers below may be stale; this page keeps trying.', 'error');
        } else {
          showMessage('The evaluator answered ' + response.status + ': ' + reason + '.', 'error');
        }
        statusLine.textContent = 'Last attempt ' + new Date().toLocaleTimeString() + '.';
      }
    } catch (error) {
      state.lastError = 'unreachable';
      showMessage('The evaluator cannot be reached (' + error.message + '). The numbers below may be stale; this page keeps trying.', 'error');
    }
    setTimeout(poll, config.pollMs);
  }

  if (config.mode === 'static') {
    statusLine.textContent = 'Report written ' + new Date(config.data.generatedAt).toLocaleString() + '.';
    var data = staticData();
    if (data) render(data);
    else unknownRun();
  } else {
    poll();
  }
})();

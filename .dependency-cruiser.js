// The house rules for imports, checked by test/structure/house-rules.test.ts (dependency-cruiser):
//   services -> libs only, never another service's internals; libs never import a service;
//   the logic libs never import NestJS, kafkajs or TypeORM (those belong to the host, transport and
//   results-store libs); no import cycles; test scaffolding reachable only from tests and benchmarks.
'use strict';

/** Libs that hold logic (text, graph, model, training, evaluation): no framework, broker or ORM imports. */
const LOGIC_LIBS = [
  // text
  'corpora', 'dedup', 'ingest', 'local-run', 'model-scorer', 'packing', 'pipeline-stages', 'quality', 'random',
  // graph
  'onnx-graph', 'ort-worker',
  // model
  'llama', 'model-config', 'safetensors',
  // training
  'checkpoint', 'schedules', 'trainer',
  // evaluation
  'eval', 'eval-engine',
];

/** Test scaffolding: test files, testing entry points, test support and the fixtures' helpers. */
const SCAFFOLDING = [
  '\\.test\\.ts$',
  '\\.testutil\\.ts$',
  '^libs/[^/]+/src/testing/',
  '^test/',
];
/** Who may import scaffolding: tests, other scaffolding, and the benchmarks. */
const MAY_USE_SCAFFOLDING = [...SCAFFOLDING, '^bench/'];

module.exports = {
  forbidden: [
    {
      name: 'no-lib-to-service',
      comment: 'libs are reusable parts; a lib never imports a service',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^services/' },
    },
    {
      name: 'no-cross-service',
      comment: 'a service imports libs and its own files, never another service',
      severity: 'error',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/', pathNot: '^services/$1/' },
    },
    {
      name: 'services-import-libs-only',
      comment: 'services build on libs (and node_modules); not on tests, benchmarks or scripts',
      severity: 'error',
      from: { path: '^services/', pathNot: SCAFFOLDING },
      to: { path: '^(bench|scripts|test)/' },
    },
    {
      name: 'logic-libs-no-framework',
      comment: 'logic libs stay free of NestJS, kafkajs and TypeORM (host, transport and results-store own those)',
      severity: 'error',
      from: { path: `^libs/(${LOGIC_LIBS.join('|')})/` },
      to: { path: '(^|/)node_modules/(@nestjs/|kafkajs/|typeorm/)' },
    },
    {
      name: 'no-cycles',
      comment: 'modules form a hierarchy; a cycle means two modules are one, or one holds the other\'s part',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'scaffolding-only-from-tests',
      comment: 'test scaffolding (testing entry points, test support, fixtures) is reachable only from tests and benchmarks',
      severity: 'error',
      from: { pathNot: MAY_USE_SCAFFOLDING },
      to: { path: SCAFFOLDING },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|proto/gen|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json', '.d.ts'] },
    // type-only imports count: `import type` still ties one module to another
    moduleSystems: ['cjs', 'es6'],
  },
};

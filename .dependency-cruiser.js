// The house rules for imports, checked by test/structure/house-rules.test.ts (dependency-cruiser):
//   services -> libs only, never another service's internals; libs never import a service;
//   NestJS, kafkajs and TypeORM only in the NestJS host, platform's transport and results' store;
//   another lib only through its entry (@cptflow/<lib> or @cptflow/<lib>/testing), a lib never through
//   its own entry; no import cycles (a cycle between libs runs through their entries, so it shows
//   here too); test scaffolding reachable only from tests and benchmarks.
'use strict';

/**
 * The only places that may import NestJS, kafkajs or TypeORM: the NestJS host, platform's transport (the
 * Kafka bus) and results' store (the database). Every other lib holds logic and stays framework-free.
 */
const FRAMEWORK_HOMES = ['libs/nest-host/', 'libs/platform/src/transport/', 'libs/results/src/results-store/'];

/** A lib's public entries: @cptflow/<lib> and @cptflow/<lib>/testing (tsconfig.json's paths). */
const LIB_ENTRY = 'libs/[^/]+/src/(testing/)?index\\.ts$';

/** Test scaffolding: test files, testing entry points, test support and the fixtures' helpers. */
const SCAFFOLDING = [
  '\\.test\\.ts$',
  '\\.testutil\\.ts$',
  '^libs/[^/]+/src/testing/',
  '^libs/[^/]+/src/[^/]+/testing/',
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
      comment: 'only the NestJS host, platform\'s transport and results\' store import NestJS, kafkajs or TypeORM',
      severity: 'error',
      from: { path: '^libs/', pathNot: `^(${FRAMEWORK_HOMES.join('|')})` },
      to: { path: '(^|/)node_modules/(@nestjs/|kafkajs/|typeorm/)' },
    },
    {
      name: 'libs-through-their-entry',
      comment: 'another lib is reached only through its entry (@cptflow/<lib>, @cptflow/<lib>/testing), never a file below it',
      severity: 'error',
      from: { path: '^(libs/[^/]+|services|test|bench)/' },
      to: { path: '^libs/', pathNot: `^($1/|${LIB_ENTRY})` },
    },
    {
      name: 'no-own-entry',
      comment: 'a lib\'s files import each other, never the lib\'s own entry (that makes cycles through the index)',
      severity: 'error',
      from: { path: '^libs/([^/]+)/', pathNot: '^libs/[^/]+/src/(testing/)?index\\.ts$' },
      to: { path: '^libs/$1/src/(testing/)?index\\.ts$' },
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

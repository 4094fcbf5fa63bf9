// Fuzz: the configuration loader and every service's section parser on arbitrary environments and
// sections. A configuration is either accepted or refused with a ConfigError (which the services turn
// into exit 2 and one line naming the setting); never another exception, never a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConfigError, loadConfig, STAGE_SECTIONS, type CptflowConfig } from '@cptflow/platform';
import { dedupSettings, packerSettings, qualitySettings } from '@cptflow/data';
import { loadServiceConfig } from '@cptflow/nest-host';
import { ingestHttpConfig } from '../../services/ingest/src/ingest.config';
import { parseTrainerConfig } from '../../services/trainer/src/trainer.config';
import { evaluatorConfigFrom } from '@cptflow/evaluation';
import { fuzzRuns } from './fuzz-settings';

const SEGMENTS = ['BUS', 'KIND', 'PARTITIONS', 'BROKERS', 'TOPICS', 'DOCS_RAW', 'HTTP', 'PORT', 'HOST', 'STAGES', 'INGEST', 'TOKEN', 'ROOTS',
  'QUALITY_FILTER', 'QUALITYFILTER', 'FILTERS', 'SCORER', 'DEDUP', 'DEDUPE', 'STORE', 'PACKER', 'SEQ_LEN', 'TRAINER', 'MODEL', 'BASE_DIR',
  'CHECKPOINT', 'DIR', 'EVALUATOR', 'TASKS', 'API_TOKENS', 'X', '', '__'];

const value = fc.oneof(
  fc.string(),
  fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
  fc.constantFrom('0', '-1', '1e309', 'NaN', 'true', 'null', '[]', '{}', '/proc/self', '\u0000', ',,', 'memory', 'kafka'),
);

const environment = fc.dictionary(
  fc.oneof(
    fc.array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 5 }).map((parts) => `CPTFLOW__${parts.join('__')}`),
    fc.constantFrom('KAFKA_BROKERS', 'CPTFLOW_INGEST_TOKEN', 'EVALUATOR_API_TOKEN', 'DATABASE_URL'),
  ),
  value,
  { maxKeys: 6 },
);

function onlyConfigErrors(work: () => unknown): void {
  try {
    work();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `not a ConfigError: ${(error as Error)?.stack ?? String(error)}`);
    assert.ok((error as Error).message.length > 0);
  }
}

test('loadConfig on arbitrary environments: a config or a ConfigError naming the problem', () => {
  fc.assert(
    fc.property(environment, (env) => {
      onlyConfigErrors(() => loadConfig({ env }));
      // What every service loads with: the same, every stage section checked against its schema too.
      onlyConfigErrors(() => loadServiceConfig({ env }));
    }),
    fuzzRuns(5000),
  );
});

const section = fc.dictionary(
  fc.oneof(fc.constantFrom('token', 'roots', 'maxUploadBytes', 'filters', 'scorer', 'store', 'namespace', 'tokenizerPath', 'seqLen', 'model', 'checkpoint', 'tasks', 'apiTokens', 'sqlitePath', 'heldout', 'batchRows', 'tokensPerStep'), fc.string()),
  fc.oneof(fc.jsonValue(), fc.constantFrom('/proc/x', '/nonexistent/cptflow', 'x'.repeat(20))),
  { maxKeys: 5 },
);

test("every service's section parser on arbitrary sections: accepted or a ConfigError", () => {
  const parsers: Record<(typeof STAGE_SECTIONS)[number], (config: CptflowConfig) => unknown> = {
    ingest: (c) => ingestHttpConfig(c, {}),
    qualityFilter: qualitySettings,
    dedup: dedupSettings,
    packer: packerSettings,
    trainer: (c) => parseTrainerConfig(c.stages.trainer),
    evaluator: (c) => evaluatorConfigFrom(c, {}),
  };
  fc.assert(
    fc.property(fc.constantFrom(...STAGE_SECTIONS), section, (name, settings) => {
      onlyConfigErrors(() => {
        const config = loadServiceConfig({ env: {}, overrides: { stages: { [name]: settings } } });
        parsers[name](config);
      });
    }),
    fuzzRuns(3000),
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, STAGE_SECTIONS } from '@cptflow/platform';
import { loadServiceConfig, STAGE_SECTION_SCHEMAS } from './stage-section-schemas';

const load = (stages: Record<string, unknown>) => loadServiceConfig({ env: {}, overrides: { stages } });
const refused = (stages: Record<string, unknown>, setting: RegExp) =>
  assert.throws(() => load(stages), (err: unknown) => err instanceof ConfigError && setting.test(err.message), `${JSON.stringify(stages)} should name ${setting}`);

test("a bad setting inside any stage section stops every service, whoever owns the section", () => {
  refused({ dedup: { namespce: 'x' } }, /stages\.dedup: Unrecognized key\(s\) in object: 'namespce'/);
  refused({ dedup: { store: { kind: 'memroy' } } }, /stages\.dedup\.store\.kind: /);
  refused({ ingest: { token: 'short' } }, /stages\.ingest\.token: the ingest token \(CPTFLOW_INGEST_TOKEN\) must be at least 16 characters/);
  refused({ ingest: { maxUploadBytes: 0 } }, /stages\.ingest\.maxUploadBytes: /);
  refused({ packer: { seqLen: 4 } }, /stages\.packer\.seqLen: /);
  refused({ qualityFilter: { filters: { gopher_quality: { max_foo: 1 } } } }, /stages\.qualityFilter\.filters: gopher_quality\.max_foo is not an option/);
  refused({ trainer: { model: { randomPreset: 'cptflow-tiny' }, batchRows: 0 } }, /stages\.trainer\.batchRows: /);
  refused({ trainer: { schedule: { kind: 'cosine', peakLr: -1 } } }, /stages\.trainer\.schedule\.peakLr: /);
});

test('every problem in every section is named at once', () => {
  assert.throws(
    () => load({ dedup: { namespce: 'x' }, packer: { seqLen: 4 } }),
    (err: unknown) => err instanceof ConfigError && /stages\.dedup: /.test(err.message) && /stages\.packer\.seqLen: /.test(err.message),
  );
});

test("a missing required setting and the files a section names are left to the section's own service", () => {
  // The token comes from the ingest service's own environment (CPTFLOW_INGEST_TOKEN), the model from the trainer's.
  const config = load({ ingest: { roots: ['/only/where/ingest/runs'] }, trainer: { run: 'shared-file', seqLen: 64, batchRows: 1, tokensPerStep: 64 } });
  assert.deepEqual(config.stages.ingest, { roots: ['/only/where/ingest/runs'] });
});

test('every stage section has a schema entry (the evaluator\'s is added when its schema moves into a lib)', () => {
  assert.deepEqual(Object.keys(STAGE_SECTION_SCHEMAS).sort(), [...STAGE_SECTIONS].sort());
  for (const name of STAGE_SECTIONS.filter((n) => n !== 'evaluator')) assert.ok(STAGE_SECTION_SCHEMAS[name], name);
});

// Issue 6, "six services on Kafka": every service validates its configuration at start (a bad setting
// exits with code 2 and names the setting) and stops gracefully on SIGTERM (drains, exits 0). Run on
// the in-process bus so it needs no broker; six-services.test.ts checks the same shutdown after real
// work on Kafka.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { llama2TokenizerPath } from '@cptflow/data';
import { startService } from '../support/service-process';

const DIST = path.resolve(__dirname, '../..');
const TOKEN = 'lifecycle-test-token-0123';

interface Bad {
  /** The `stages` section with the mistake (or a good one, when the mistake is in `env`). */
  stages: (dir: string) => Record<string, unknown>;
  env?: Record<string, string>;
  /** How the error must name the setting. */
  setting: RegExp;
}

interface Case {
  service: string;
  /** A working `stages` section for the service. */
  stages: (dir: string) => Record<string, unknown>;
  /** Mistakes that must each stop the service with exit 2 and the setting named. */
  bad: Bad[];
}

const evaluatorSection = (dir: string) => ({ tasks: [], apiTokens: [TOKEN], sqlitePath: path.join(dir, 'results.sqlite'), taskDataDir: dir });
const trainerSection = (dir: string) => ({
  model: { randomPreset: 'cptflow-tiny' },
  seqLen: 32,
  batchRows: 1,
  tokensPerStep: 32,
  checkpoint: { dir: path.join(dir, 'checkpoints') },
});

/**
 * A misspelled stage section, and a bad setting inside another service's section: every service reads
 * every section and must refuse both, whoever owns the section.
 */
const everyService = (good: (dir: string) => Record<string, unknown>, foreign: Bad): Bad[] => [
  { stages: (dir) => ({ ...good(dir), dedupe: { store: { kind: 'memory' } } }), setting: /stages\.dedupe: unknown stage section "dedupe"\. Did you mean "dedup"/ },
  { stages: (dir) => ({ ...good(dir), ...foreign.stages(dir) }), setting: foreign.setting },
];
/** One mistake inside each section, each made where another service is started. */
const FOREIGN: Record<string, Bad> = {
  dedup: { stages: () => ({ dedup: { namespce: 'x' } }), setting: /stages\.dedup: Unrecognized key\(s\) in object: 'namespce'/ },
  trainer: { stages: () => ({ trainer: { batchRows: 0 } }), setting: /stages\.trainer\.batchRows: / },
  packer: { stages: () => ({ packer: { strategy: 'first-fit' } }), setting: /stages\.packer\.strategy: / },
  qualityFilter: { stages: () => ({ qualityFilter: { filters: { gopher_quality: { max_foo: 1 } } } }), setting: /stages\.qualityFilter\.filters: gopher_quality\.max_foo is not an option/ },
  ingest: { stages: () => ({ ingest: { maxNestingDepth: 0 } }), setting: /stages\.ingest\.maxNestingDepth: / },
};
/** The same mistake made in the environment: QUALITYFILTER reads as `qualityfilter`, not `qualityFilter`. */
const misspelledInEnvironment = (good: (dir: string) => Record<string, unknown>): Bad => ({
  stages: good,
  env: { CPTFLOW__STAGES__QUALITYFILTER__FILTERS: '{}' },
  setting: /stages\.qualityfilter: .*CPTFLOW__STAGES__QUALITY_FILTER__/,
});

const CASES: Case[] = [
  {
    service: 'ingest',
    stages: () => ({ ingest: { token: TOKEN } }),
    bad: [
      { stages: () => ({ ingest: { token: TOKEN, maxUploadBytes: 0 } }), setting: /maxUploadBytes/ },
      { stages: () => ({}), setting: /stages\.ingest[\s\S]*token: required: set CPTFLOW_INGEST_TOKEN/ },
      { stages: (dir) => ({ ingest: { token: TOKEN, roots: [path.join(dir, 'no-such-root')] } }), setting: /stages\.ingest\.roots\[0\]: .*no-such-root does not exist/ },
      { stages: () => ({ ingest: { token: TOKEN } }), env: { KAFKA_BROKERS: ',,' }, setting: /bus\.brokers: name at least one broker/ },
      ...everyService(() => ({ ingest: { token: TOKEN } }), FOREIGN.dedup!),
      misspelledInEnvironment(() => ({ ingest: { token: TOKEN } })),
    ],
  },
  {
    service: 'quality-filter',
    stages: () => ({}),
    bad: [
      { stages: () => ({ qualityFilter: { filterz: {} } }), setting: /filterz/ },
      { stages: () => ({ qualityFilter: { filters: { gopher_quality: { max_foo: 1 } } } }), setting: /stages\.qualityFilter\.filters: gopher_quality\.max_foo is not an option/ },
      // Files that exist but are no classifier: found when the scorer opens them, still before the service starts.
      { stages: (dir) => ({ qualityFilter: { scorer: { modelPath: garbage(dir, 'model.onnx'), tokenizerPath: garbage(dir, 'tokenizer.json') } } }), setting: /stages\.qualityFilter\.scorer: / },
      ...everyService(() => ({}), FOREIGN.trainer!),
      misspelledInEnvironment(() => ({})),
    ],
  },
  {
    service: 'dedup',
    stages: () => ({}),
    bad: [
      { stages: () => ({ dedup: { namespace: 'Not-A-Name' } }), setting: /namespace/ },
      { stages: () => ({ dedup: { store: { kind: 'postgress', url: 'postgres://127.0.0.1/x' } } }), setting: /stages\.dedup[\s\S]*store\.kind/ },
      { stages: () => ({ dedup: { store: { kind: 'sqlite', path: '/proc/cptflow/dedup.sqlite' } } }), setting: /stages\.dedup\.store\.path: .*inside \/proc/ },
      ...everyService(() => ({}), FOREIGN.packer!),
    ],
  },
  {
    service: 'packer',
    stages: () => ({}),
    bad: [
      { stages: () => ({ packer: { seqLen: 4 } }), setting: /seqLen/ },
      { stages: (dir) => ({ packer: { tokenizerPath: path.join(dir, 'missing', 'tokenizer.json') } }), setting: /stages\.packer\.tokenizerPath: .*tokenizer\.json does not exist/ },
      // A model directory without its tokenizer: found when the tokenizer is loaded, still before the service starts.
      { stages: (dir) => ({ packer: { modelDir: modelWithoutTokenizer(dir) } }), setting: /model \S*model-without-tokenizer has no tokenizer\.json/ },
      // Its tokenizer has ids the model's 256-token embedding lacks.
      { stages: (dir) => ({ packer: { modelDir: modelWithMisfitTokenizer(dir) } }), setting: /tokenizer .*tokenizer\.json does not fit model .*config\.json/ },
      ...everyService(() => ({}), FOREIGN.qualityFilter!),
    ],
  },
  {
    service: 'trainer',
    stages: (dir) => ({ trainer: trainerSection(dir) }),
    bad: [
      { stages: (dir) => ({ trainer: { ...trainerSection(dir), batchRows: 0 } }), setting: /batchRows/ },
      { stages: (dir) => ({ trainer: { ...trainerSection(dir), model: { baseDir: path.join(dir, 'no-model') } } }), setting: /stages\.trainer\.model\.baseDir: .*no-model does not exist/ },
      { stages: (dir) => ({ trainer: { ...trainerSection(dir), checkpoint: { dir: '/proc/cptflow-checkpoints' } } }), setting: /stages\.trainer\.checkpoint\.dir: .*inside \/proc/ },
      ...everyService((dir) => ({ trainer: trainerSection(dir) }), FOREIGN.ingest!),
    ],
  },
  {
    service: 'evaluator',
    stages: (dir) => ({ evaluator: evaluatorSection(dir) }),
    bad: [
      { stages: (dir) => ({ evaluator: { ...evaluatorSection(dir), batchSize: 0 } }), setting: /batchSize/ },
      { stages: (dir) => ({ evaluator: { ...evaluatorSection(dir), apiTokens: undefined } }), env: { EVALUATOR_API_TOKEN: '' }, setting: /apiTokens: required: set EVALUATOR_API_TOKEN/ },
      { stages: (dir) => ({ evaluator: { ...evaluatorSection(dir), sqlitePath: '/proc/self/cptflow/results.sqlite' } }), setting: /stages\.evaluator\.sqlitePath: .*inside \/proc/ },
      ...everyService((dir) => ({ evaluator: evaluatorSection(dir) }), FOREIGN.trainer!),
    ],
  },
];

/** A file of bytes that are neither ONNX nor JSON. */
function garbage(dir: string, name: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, 'not a model');
  return file;
}

/** A model directory with config.json but no tokenizer.json. */
function modelWithoutTokenizer(dir: string): string {
  const model = path.join(dir, 'model-without-tokenizer');
  fs.mkdirSync(model, { recursive: true });
  fs.copyFileSync(path.resolve(DIST, '..', 'data', 'models', 'cptflow-tiny-base', 'config.json'), path.join(model, 'config.json'));
  return model;
}

/** A model directory whose config.json has 256 ids and whose tokenizer.json is LLaMA-2's 32,000. */
function modelWithMisfitTokenizer(dir: string): string {
  const model = path.join(dir, 'model-misfit-tokenizer');
  fs.mkdirSync(model, { recursive: true });
  const config = JSON.parse(fs.readFileSync(path.resolve(DIST, '..', 'data', 'models', 'cptflow-tiny-base', 'config.json'), 'utf8'));
  fs.writeFileSync(path.join(model, 'config.json'), JSON.stringify({ ...config, vocab_size: 256 }));
  fs.copyFileSync(llama2TokenizerPath(), path.join(model, 'tokenizer.json'));
  return model;
}

function writeConfig(dir: string, stages: Record<string, unknown>): string {
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify({ bus: { kind: 'memory' }, stages }));
  return file;
}

const env = (configFile: string) => ({ CPTFLOW_CONFIG: configFile, KAFKA_BROKERS: '', DATABASE_URL: '', OTEL_EXPORTER_OTLP_ENDPOINT: '', CPTFLOW__HTTP__PORT: '0' });

async function exitOf(service: string, configFile: string, extraEnv: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [path.join(DIST, 'services', service, 'src', 'main.js')], {
    env: { ...process.env, ...env(configFile), ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output };
}

for (const c of CASES) {
  describe(`services/${c.service}`, () => {
    it('exits with code 2 and names the bad setting, with no stack trace or raw error code', { timeout: 120_000 }, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cptflow-life-${c.service}-`));
      try {
        // A few at a time: each is a process start, and the machine running CI is small.
        for (let i = 0; i < c.bad.length; i += 3) {
          await Promise.all(
            c.bad.slice(i, i + 3).map(async (bad) => {
              const { code, output } = await exitOf(c.service, writeConfig(dir, bad.stages(dir)), bad.env);
              assert.equal(code, 2, `${bad.setting}\n${output}`);
              assert.match(output, bad.setting);
              assert.doesNotMatch(output, /\n\s+at /, `a stack trace:\n${output}`);
              assert.doesNotMatch(output, /\bENOENT\b|\bEACCES\b/, `a raw error code:\n${output}`);
            }),
          );
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('reports ready, then drains and exits 0 on SIGTERM', { timeout: 90_000 }, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cptflow-life-${c.service}-`));
      try {
        const service = await startService(c.service, env(writeConfig(dir, c.stages(dir))));
        await service.stop();
        assert.equal(service.child.exitCode, 0, `exit ${service.child.exitCode} (signal ${service.child.signalCode})\n${service.output()}`);
        assert.match(service.output(), /draining/i);
        // Its output went to a pipe, not a terminal: plain text, no colour codes.
        assert.doesNotMatch(service.output(), /\x1b\[/, 'ANSI escape codes in redirected output');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

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
import { startService } from '../support/service-process';

const DIST = path.resolve(__dirname, '../..');
const TOKEN = 'lifecycle-test-token-0123';

interface Case {
  service: string;
  /** A working `stages` section for the service. */
  stages: (dir: string) => Record<string, unknown>;
  /** The same with one bad setting, and the setting's name as the error must give it. */
  bad: (dir: string) => Record<string, unknown>;
  setting: RegExp;
}

const evaluatorSection = (dir: string) => ({ tasks: [], apiTokens: [TOKEN], sqlitePath: path.join(dir, 'results.sqlite'), taskDataDir: dir });
const trainerSection = (dir: string) => ({
  model: { randomPreset: 'cptflow-tiny' },
  seqLen: 32,
  batchRows: 1,
  tokensPerStep: 32,
  checkpoint: { dir: path.join(dir, 'checkpoints') },
});

const CASES: Case[] = [
  { service: 'ingest', stages: () => ({ ingest: { token: TOKEN } }), bad: () => ({ ingest: { token: TOKEN, maxUploadBytes: 0 } }), setting: /maxUploadBytes/ },
  { service: 'quality-filter', stages: () => ({}), bad: () => ({ qualityFilter: { filterz: {} } }), setting: /filterz/ },
  { service: 'dedup', stages: () => ({}), bad: () => ({ dedup: { namespace: 'Not-A-Name' } }), setting: /namespace/ },
  { service: 'packer', stages: () => ({}), bad: () => ({ packer: { seqLen: 4 } }), setting: /seqLen/ },
  { service: 'trainer', stages: (dir) => ({ trainer: trainerSection(dir) }), bad: (dir) => ({ trainer: { ...trainerSection(dir), batchRows: 0 } }), setting: /batchRows/ },
  { service: 'evaluator', stages: (dir) => ({ evaluator: evaluatorSection(dir) }), bad: (dir) => ({ evaluator: { ...evaluatorSection(dir), batchSize: 0 } }), setting: /batchSize/ },
];

function writeConfig(dir: string, stages: Record<string, unknown>): string {
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify({ bus: { kind: 'memory' }, stages }));
  return file;
}

const env = (configFile: string) => ({ CPTFLOW_CONFIG: configFile, KAFKA_BROKERS: '', DATABASE_URL: '', OTEL_EXPORTER_OTLP_ENDPOINT: '', CPTFLOW__HTTP__PORT: '0' });

async function exitOf(service: string, configFile: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [path.join(DIST, 'services', service, 'src', 'main.js')], { env: { ...process.env, ...env(configFile) }, stdio: ['ignore', 'pipe', 'pipe'] });
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
    it('exits with code 2 and names the bad setting', { timeout: 90_000 }, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cptflow-life-${c.service}-`));
      try {
        const { code, output } = await exitOf(c.service, writeConfig(dir, c.bad(dir)));
        assert.equal(code, 2, output);
        assert.match(output, c.setting);
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
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

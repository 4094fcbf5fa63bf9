// The load bench (bench/load.ts) in small and bounded: a few seconds of concurrent gzip and plain
// uploads to the ingest endpoint and concurrent reads of the results API. Nothing may be lost. The
// memory figures need the full minute (bench/results/load.json), so they are not judged here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BENCH = path.resolve(__dirname, '../../bench/load.js');

test('concurrent uploads and concurrent reads for a few seconds: every document published, every answer complete', { timeout: 120_000 }, () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-load-')), 'load.json');
  const env = { ...process.env, KAFKA_BROKERS: '' };
  const run = spawnSync(process.execPath, [BENCH, '--seconds', '3', '--clients', '4', '--docs', '200', '--runs', '3', '--checkpoints', '5', '--out', out], { env, encoding: 'utf8', timeout: 110_000 });
  assert.ok(fs.existsSync(out), `${run.stdout}\n${run.stderr}`);
  const record = JSON.parse(fs.readFileSync(out, 'utf8')) as {
    ingest: { nothingLost: boolean; uploads: number; documentsPublished: number; failures: string[] };
    resultsApi: { nothingLost: boolean; requests: number; failures: string[] };
  };
  assert.ok(record.ingest.uploads > 0 && record.resultsApi.requests > 0);
  assert.equal(record.ingest.documentsPublished, record.ingest.uploads * 200);
  assert.ok(record.ingest.nothingLost, record.ingest.failures.join('\n'));
  assert.ok(record.resultsApi.nothingLost, record.resultsApi.failures.join('\n'));
});

// The in-process pipeline on the in-process bus: what ingest's own filter rejects is accounted for like
// the quality filter's rejections.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, codecFor, StageAccounting, MemoryBus } from '@cptflow/platform';
import { LocalPipeline } from './pipeline-run';

const FINEWEB_EDU = join(__dirname, '../../../../libs/data/fixtures/ingest/fineweb-edu-sample.zstd.parquet');

test("rows below --min-int-score are rejections with their rule in the accounting, and the pipeline balances", async () => {
  const config = loadConfig({ env: {}, overrides: { bus: { kind: 'memory' }, stages: { packer: { seqLen: 64 } } } });
  const bus = new MemoryBus();
  const pipeline = await LocalPipeline.start({ config, bus, settleTimeoutMs: 30_000 });
  let running = true;
  try {
    await pipeline.ingest({ path: FINEWEB_EDU, corpus: 'domain', minIntScore: 4 });
    const counts = await pipeline.settle();
    // 9 rows: 3 malformed (dead letters), 5 with int_score 3 (rejected here), 1 with int_score 4.
    assert.equal(counts.ingestDeadLetters, 3);
    assert.equal(counts.ingested, 6);
    assert.equal(counts.rejectedByRule['ingest/int_score'], 5);
    assert.ok(pipeline.accounting.balanced());
    await pipeline.stop();
    running = false;
    // Ingest's own accounting went out on the accounting topic too, so the report's pipeline table starts at ingest.
    const codec = codecFor<StageAccounting>(StageAccounting);
    const reports: StageAccounting[] = [];
    const subscription = await bus.consume({ groupId: 'reader', topics: [config.topics.stageAccounting], handler: async (b) => (b.records.forEach((r) => reports.push(codec.decode(r.value))), []) });
    for (let waited = 0; !reports.some((r) => r.stage === 'ingest') && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    await subscription.stop();
    const ingest = reports.filter((r) => r.stage === 'ingest').at(-1)!;
    assert.deepEqual([Number(ingest.recordsIn), Number(ingest.recordsOut), Number(ingest.rejected), Number(ingest.deadLetters)], [9, 1, 5, 3]);
  } finally {
    if (running) await pipeline.stop();
    await bus.close();
  }
});

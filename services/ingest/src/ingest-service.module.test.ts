// The ingest service as it runs (IngestServiceModule, on the in-process bus): what it publishes is
// counted and goes out on the accounting topic, so the dashboard's pipeline table starts at ingest.
import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NestFactory } from '@nestjs/core';
import { codecFor, StageAccounting, loadConfig, MemoryBus } from '@cptflow/platform';
import { IngestServiceModule } from './ingest-service.module';

const TOKEN = 'accounting-token-0123456789';
const accountingCodec = codecFor<StageAccounting>(StageAccounting);

test('the ingest service publishes its accounting: records read, documents out, rejections by rule, dead letters', async () => {
  const config = loadConfig({ env: {}, overrides: { stages: { ingest: { token: TOKEN, minIntScore: 3 } } } });
  const bus = new MemoryBus({ defaultPartitions: 1 });
  const app = await NestFactory.create(IngestServiceModule.register(config, bus), { logger: false });
  await app.listen(0, '127.0.0.1');
  try {
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const body = ['{"text":"Kept.","int_score":5}', '{"text":"Weak.","int_score":2}', '{broken', '"not an object"'].join('\n') + '\n';
    const response = await fetch(`${url}/ingest/upload`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/x-ndjson' }, body });
    assert.equal(response.status, 200);
  } finally {
    await app.close(); // the final counts go out at shutdown
  }
  const messages: StageAccounting[] = [];
  const subscription = await bus.consume({ groupId: 'reader', topics: [config.topics.stageAccounting], handler: async (b) => (b.records.forEach((r) => messages.push(accountingCodec.decode(r.value))), []) });
  for (let waited = 0; messages.length === 0 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
  await subscription.stop();
  const last = messages.at(-1)!;
  assert.equal(last.stage, 'ingest');
  assert.deepEqual(
    [Number(last.recordsIn), Number(last.recordsOut), Number(last.rejected), last.rejectedByRule, Number(last.deadLetters), Number(last.lag)],
    [4, 1, 1, { 'ingest/int_score': 1 }, 2, -1],
  );
});

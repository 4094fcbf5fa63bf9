// The accounting publisher on the in-process bus: what a stage committed is counted by kind, and
// published on the accounting topic with the group's lag — once per change, not once per interval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  codecFor,
  Rejection,
  StageAccounting as StageAccountingMessage,
  loadConfig,
  MemoryBus,
  type ConsumedBatch,
  DEAD_LETTER_HEADER,
} from '@cptflow/platform';
import { StageAccounting } from './stage-accounting';
import { StageAccountingPublisher } from './stage-accounting-publisher';
import type { Stage } from './stage';

const accountingCodec = codecFor<StageAccountingMessage>(StageAccountingMessage);
const rejectionCodec = codecFor<Rejection>(Rejection);

test('counts records in, kept, rejected by rule and dead letters, and publishes them with the lag once per change', async () => {
  const { topics } = loadConfig({ env: {} });
  const bus = new MemoryBus({ defaultPartitions: 1 });
  const stage: Stage = {
    name: 'quality-filter',
    groupId: 'cpt-quality-filter',
    inputTopics: [topics.docsRaw],
    outputTopics: [topics.docsFiltered, topics.docsRejected],
    handle: async (batch) => [
      { topic: topics.docsFiltered, value: batch.records[0]!.value },
      { topic: topics.docsRejected, value: Buffer.from(rejectionCodec.encode({ filter: 'gopher_quality', rule: 'gopher_short_doc', value: 3, threshold: 50 })) },
      { topic: `${topics.deadLetterPrefix}.dlq.quality-filter`, value: Buffer.from('x'), headers: { [DEAD_LETTER_HEADER]: '1' } },
    ],
  };
  await bus.ensureTopics([topics.docsRaw], 1);
  await bus.publish([1, 2, 3, 4].map((i) => ({ topic: topics.docsRaw, value: Buffer.from(String(i)) })));
  const accounting = new StageAccounting(stage.name, topics);
  const accountant = new StageAccountingPublisher(stage, accounting, { bus, topics, intervalMs: 60_000 });
  await accountant.start();
  const batch: ConsumedBatch = { topic: topics.docsRaw, partition: 0, records: [0, 1, 2].map((i) => ({ topic: topics.docsRaw, partition: 0, offset: String(i), value: Buffer.from(String(i)), headers: {} })) };
  accounting.countCommitted(batch, await stage.handle(batch));
  await accountant.publish();
  await accountant.publish(); // nothing changed: nothing more on the topic
  await accountant.stop();
  assert.deepEqual(bus.endOffsets(topics.stageAccounting), [1]);

  const published: StageAccountingMessage[] = [];
  const subscription = await bus.consume({ groupId: 'reader', topics: [topics.stageAccounting], handler: async (b) => (b.records.forEach((r) => published.push(accountingCodec.decode(r.value))), []) });
  for (let waited = 0; published.length === 0 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
  await subscription.stop();
  const [message] = published;
  assert.equal(message!.stage, 'quality-filter');
  assert.equal(message!.instance, accountant.instance);
  assert.deepEqual(
    { in: message!.recordsIn, out: message!.recordsOut, rejected: message!.rejected, dead: message!.deadLetters, duplicates: message!.duplicates },
    { in: 3, out: 1, rejected: 1, dead: 1, duplicates: 0 },
  );
  assert.deepEqual(message!.rejectedByRule, { 'gopher_quality/gopher_short_doc': 1 });
  assert.equal(Number(message!.lag), 4, 'the group has committed none of the four input records');
});

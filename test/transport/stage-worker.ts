// A consume-transform-produce stage run as its own process by kafka-crash.test.ts, so the test can
// kill it with SIGKILL mid-stream. Each input value n becomes an output 2n with the same key; it
// prints one line per handler call so the test knows how far it got.
//
// With STAGE_STATE_TOPIC set it is a stateful stage, as the packer is: it counts the records of each
// input partition, keeps the count in the state topic (written with the batch's outputs), and each
// output says how many records of its partition came before it ("n@count"). It trusts its in-memory
// count only when a batch starts where the count ends, else reads the committed one back.
import { KafkaBus } from '@cptflow/platform';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const output = required('STAGE_OUTPUT');
  const handlerDelayMs = Number(process.env.STAGE_DELAY_MS ?? 10);
  const bus = new KafkaBus({
    brokers: required('KAFKA_BROKERS').split(','),
    instanceId: required('STAGE_INSTANCE_ID'),
    sessionTimeoutMs: 3000,
    transactionTimeoutMs: Number(process.env.STAGE_TXN_TIMEOUT_MS ?? 30_000),
    maxWaitTimeMs: 100,
    onError: (error, where) => process.stderr.write(`stage error at ${where}: ${(error as Error).message}\n`),
  });
  const stateTopic = process.env.STAGE_STATE_TOPIC;
  const counted = new Map<number, { nextOffset: string; count: number }>();
  const countBefore = async (partition: number, firstOffset: string): Promise<number> => {
    const cached = counted.get(partition);
    counted.delete(partition);
    if (cached && cached.nextOffset === firstOffset) return cached.count;
    const stored = await bus.readState(stateTopic!, `p${partition}`);
    return stored ? Number(stored.toString()) : 0;
  };
  const subscription = await bus.consume({
    groupId: required('STAGE_GROUP'),
    topics: [required('STAGE_INPUT')],
    maxBatchRecords: Number(process.env.STAGE_BATCH ?? 50),
    handler: async (batch) => {
      process.stdout.write(`batch ${batch.partition} ${batch.records[0].offset} ${batch.records.length}\n`);
      await new Promise((resolve) => setTimeout(resolve, handlerDelayMs));
      if (!stateTopic) return batch.records.map((r) => ({ topic: output, key: r.key, value: Buffer.from(String(Number(r.value.toString()) * 2)) }));
      const before = await countBefore(batch.partition, batch.records[0].offset);
      const outputs = batch.records.map((r, i) => ({ topic: output, key: r.key, value: Buffer.from(`${r.value.toString()}@${before + i}`) }));
      const after = before + batch.records.length;
      counted.set(batch.partition, { nextOffset: String(BigInt(batch.records[batch.records.length - 1].offset) + 1n), count: after });
      return [...outputs, { topic: stateTopic, key: `p${batch.partition}`, value: Buffer.from(String(after)) }];
    },
  });
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    void subscription
      .stop()
      .then(() => bus.close())
      .then(() => process.exit(0));
  });
}

main().catch((error) => {
  process.stderr.write(`stage worker failed: ${(error as Error).stack}\n`);
  process.exit(1);
});

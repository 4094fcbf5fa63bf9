// A consume-transform-produce stage run as its own process by kafka-crash.test.ts, so the test can
// kill it with SIGKILL mid-stream. Each input value n becomes an output 2n with the same key; it
// prints one line per handler call so the test knows how far it got.
import { KafkaBus } from '../../libs/transport/src/kafka-bus';

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
  const subscription = await bus.consume({
    groupId: required('STAGE_GROUP'),
    topics: [required('STAGE_INPUT')],
    maxBatchRecords: Number(process.env.STAGE_BATCH ?? 50),
    handler: async (batch) => {
      process.stdout.write(`batch ${batch.partition} ${batch.records[0].offset} ${batch.records.length}\n`);
      await new Promise((resolve) => setTimeout(resolve, handlerDelayMs));
      return batch.records.map((r) => ({ topic: output, key: r.key, value: Buffer.from(String(Number(r.value.toString()) * 2)) }));
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

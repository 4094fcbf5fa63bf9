// Records/s through one consume-transform-produce stage (1 output per input, no work in the handler),
// on the embedded bus and, when KAFKA_BROKERS is set, on Kafka: the transport's own cost per record.
//   KAFKA_BROKERS=... node dist/bench/transport/throughput.js [records] [batch]
import { type Bus, KafkaBus, MemoryBus } from '@cptflow/platform';
import { readTopic, uniqueName } from '@cptflow/platform/testing';

async function measure(name: string, bus: Bus, records: number, batch: number): Promise<void> {
  const input = uniqueName('bench.in');
  const output = uniqueName('bench.out');
  await bus.ensureTopics([input, output], 6);
  const value = Buffer.alloc(512, 'x');
  for (let sent = 0; sent < records; sent += 5000) {
    await bus.publish(Array.from({ length: Math.min(5000, records - sent) }, (_, i) => ({ topic: input, key: `doc-${sent + i}`, value })));
  }
  const started = performance.now();
  const sub = await bus.consume({
    groupId: uniqueName('bench.stage'),
    topics: [input],
    maxBatchRecords: batch,
    handler: async (b) => b.records.map((r) => ({ topic: output, key: r.key, value: r.value })),
  });
  const out = await readTopic(bus, output, records, 300_000, 0);
  const seconds = (performance.now() - started) / 1000;
  await sub.stop();
  await bus.close();
  console.log(JSON.stringify({ transport: name, records: out.length, batch, seconds: +seconds.toFixed(2), recordsPerSecond: Math.round(out.length / seconds) }));
}

async function main(): Promise<void> {
  const records = Number(process.argv[2] ?? 20000);
  const batch = Number(process.argv[3] ?? 500);
  await measure('memory', new MemoryBus(), records, batch);
  if (process.env.KAFKA_BROKERS) await measure('kafka', new KafkaBus({ brokers: process.env.KAFKA_BROKERS.split(',') }), records, batch);
}

void main();

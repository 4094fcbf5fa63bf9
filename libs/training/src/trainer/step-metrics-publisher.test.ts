// Step metrics leave the trainer in batches: one record per `maxSteps` steps or per flush, and a bus
// that refuses them keeps the steps for the next try instead of losing them or stopping training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codecFor, TrainingMetrics, MemoryBus, type OutgoingRecord } from '@cptflow/platform';
import { StepMetricsPublisher } from './step-metrics-publisher';

const codec = codecFor<TrainingMetrics>(TrainingMetrics);
const TOPIC = 'cpt.metrics.training';
const step = (n: number) => ({ step: n, tokensSeen: n * 256, loss: 5 - n / 10, lr: 1e-3, gradNorm: 1, tokensPerSecond: 1000, atMs: n });

class FlakyBus extends MemoryBus {
  failing = false;
  readonly sent: OutgoingRecord[] = [];
  override async publish(records: OutgoingRecord[]): Promise<void> {
    if (this.failing) throw new Error('broker unavailable');
    this.sent.push(...records);
  }
}

test('batches steps into few records and keeps them through a bus failure', async () => {
  const bus = new FlakyBus({ defaultPartitions: 1 });
  const logged: string[] = [];
  const publisher = new StepMetricsPublisher({ bus, topic: TOPIC, run: 'r', maxSteps: 4, intervalMs: 60_000, log: (l) => logged.push(l) });
  await publisher.start();
  for (let n = 1; n <= 6; n++) publisher.add(step(n));
  await publisher.flush();
  assert.deepEqual(bus.sent.map((r) => codec.decode(r.value).steps!.map((s) => Number(s.step))), [[1, 2, 3, 4], [5, 6]]);

  bus.failing = true;
  publisher.add(step(7));
  await publisher.flush();
  assert.equal(bus.sent.length, 2);
  assert.match(logged[0]!, /1 steps kept for the next try\): broker unavailable/);
  bus.failing = false;
  publisher.add(step(8));
  await publisher.stop();
  const last = codec.decode(bus.sent[2]!.value);
  assert.equal(last.run, 'r');
  assert.deepEqual(last.steps!.map((s) => Number(s.step)), [7, 8], 'the refused step goes out with the next, in order');
  assert.equal(bus.sent[2]!.key, 'r');
});

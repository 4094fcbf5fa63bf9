// The shared Bus behaviour suite against a real Kafka broker (KAFKA_BROKERS, started by
// test/support/services.js when the tests run through scripts/run-tests.js).
import { defineBusBehaviour, uniqueName } from '@cptflow/platform/testing';
import { KafkaBus } from '@cptflow/platform';
import { it } from 'node:test';
import assert from 'node:assert/strict';

const brokers = process.env.KAFKA_BROKERS;
if (!brokers) {
  it('Kafka bus behaviour', { skip: 'KAFKA_BROKERS is not set (run through scripts/run-tests.js)' }, () => {});
} else {
  defineBusBehaviour({
    name: 'kafka',
    connect: () => new KafkaBus({ brokers: brokers.split(','), maxWaitTimeMs: 100, sessionTimeoutMs: 3000 }),
    timeoutMs: 30_000,
    graceMs: 700,
  });

  it('services starting together on a fresh cluster create and read their topics without an error line', async () => {
    const lines: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
    const buses = [0, 1, 2].map(() => new KafkaBus({ brokers: brokers.split(','), maxWaitTimeMs: 100, sessionTimeoutMs: 3000 }));
    try {
      const topics = [uniqueName('fresh-a'), uniqueName('fresh-b'), uniqueName('fresh-c')];
      // Three replicas racing to create the same new topics, then each reading and writing them.
      await Promise.all(buses.map((bus) => bus.ensureTopics(topics, 3)));
      const subscriptions = await Promise.all(buses.map((bus) => bus.consumeFrom({ topics, handler: async () => [] })));
      await buses[0]!.publish(topics.map((topic) => ({ topic, key: 'k', value: Buffer.from('v') })));
      await Promise.all(subscriptions.map((s) => s.stop()));
    } finally {
      await Promise.all(buses.map((bus) => bus.close()));
      console.error = original;
    }
    assert.deepEqual(lines, []);
  });
}

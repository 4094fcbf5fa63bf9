// The shared Bus behaviour suite against a real Kafka broker (KAFKA_BROKERS, started by
// test/support/services.js when the tests run through scripts/run-tests.js).
import { defineBusBehaviour } from '../../libs/transport/src/bus-behaviour';
import { KafkaBus } from '../../libs/transport/src/kafka-bus';
import { it } from 'node:test';

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
}

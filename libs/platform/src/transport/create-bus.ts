// The one place that turns bus settings into a Bus: services and the CLI never name an implementation.
import type { BusConfig } from '../config/schema';
import type { Bus } from './bus';
import { KafkaBus, type KafkaBusOptions } from './kafka-bus';
import { MemoryBus } from './memory-bus';

/**
 * `kafka` adds Kafka-only settings a service needs beyond the shared config, e.g. the evaluator's
 * session timeout, which must outlive one checkpoint's evaluation.
 */
export function createBus(config: BusConfig, kafka: Partial<Omit<KafkaBusOptions, 'brokers'>> = {}): Bus {
  if (config.kind === 'kafka') {
    return new KafkaBus({
      brokers: config.brokers,
      clientId: config.clientId,
      defaultPartitions: config.partitions,
      maxBatchRecords: config.maxBatchRecords,
      ...kafka,
    });
  }
  return new MemoryBus({ defaultPartitions: config.partitions, maxBatchRecords: config.maxBatchRecords });
}

// The one place that turns bus settings into a Bus: services and the CLI never name an implementation.
import type { BusConfig } from '../../config/src/schema';
import type { Bus } from './bus';
import { KafkaBus } from './kafka-bus';
import { MemoryBus } from './memory-bus';

export function createBus(config: BusConfig): Bus {
  if (config.kind === 'kafka') {
    return new KafkaBus({
      brokers: config.brokers,
      clientId: config.clientId,
      defaultPartitions: config.partitions,
      maxBatchRecords: config.maxBatchRecords,
    });
  }
  return new MemoryBus({ defaultPartitions: config.partitions, maxBatchRecords: config.maxBatchRecords });
}

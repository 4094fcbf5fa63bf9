// A pipeline stage: which topics it reads, under which consumer group, and the transform that turns one
// batch into the records to write. Stage logic lives here and in the other libs; hosts (libs/nest-host's
// StageRunner, libs/local-run) only run it.
import type { AssignmentListener, BatchHandler } from '@cptflow/platform';

export interface Stage {
  /** Short name: used for the consumer group, the dead-letter topic and telemetry. */
  name: string;
  groupId: string;
  inputTopics: string[];
  /** Topics this stage writes; created at start so consumers downstream can subscribe. */
  outputTopics: string[];
  handle: BatchHandler;
  /** Told the input partitions this replica holds after each rebalance (hosts pass it to the bus). */
  partitionsAssigned?: AssignmentListener;
  /** Releases what the stage holds (store connections, tokenizer). */
  close?(): Promise<void>;
}

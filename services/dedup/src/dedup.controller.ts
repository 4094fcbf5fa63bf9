import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { DEDUP_STAGE, type Stage } from '@cptflow/data';
import { STAGE, type BatchEvents } from '@cptflow/nest-host';
import type { ConsumedBatch, OutgoingRecord } from '@cptflow/platform';

/** The stage's handler on the bus transport: one event is one batch of one topic-partition. */
@Controller()
export class DedupController {
  constructor(@Inject(STAGE) private readonly stage: Stage) {}

  /** docs.filtered -> docs.unique (first seen) | docs.duplicate (exact or near) | dead letters. */
  @EventPattern<BatchEvents>(DEDUP_STAGE)
  deduplicate(@Payload() batch: ConsumedBatch): Promise<OutgoingRecord[]> {
    return this.stage.handle(batch);
  }
}

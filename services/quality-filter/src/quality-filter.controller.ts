import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { QUALITY_STAGE, type Stage } from '@cptflow/data';
import { STAGE, type BatchEvents } from '@cptflow/nest-host';
import type { ConsumedBatch, OutgoingRecord } from '@cptflow/platform';

/** The stage's handler on the bus transport: one event is one batch of one topic-partition. */
@Controller()
export class QualityFilterController {
  constructor(@Inject(STAGE) private readonly stage: Stage) {}

  /** docs.raw -> docs.filtered (kept) | docs.rejected (the rule that rejected it) | dead letters (undecodable). */
  @EventPattern<BatchEvents>(QUALITY_STAGE)
  filter(@Payload() batch: ConsumedBatch): Promise<OutgoingRecord[]> {
    return this.stage.handle(batch);
  }
}

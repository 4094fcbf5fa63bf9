import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { PACKER_STAGE, type Stage } from '@cptflow/data';
import { STAGE, type BatchEvents } from '@cptflow/nest-host';
import type { ConsumedBatch, OutgoingRecord } from '@cptflow/platform';

/** The stage's handler on the bus transport: one event is one batch of one topic-partition. */
@Controller()
export class PackerController {
  constructor(@Inject(STAGE) private readonly stage: Stage) {}

  /** docs.unique -> seqs.packed (full sequences; the remainder waits in the packer state topic) | dead letters. */
  @EventPattern<BatchEvents>(PACKER_STAGE)
  pack(@Payload() batch: ConsumedBatch): Promise<OutgoingRecord[]> {
    return this.stage.handle(batch);
  }
}

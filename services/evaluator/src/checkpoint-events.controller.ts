import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { Stage } from '@cptflow/data';
import { STAGE, type BatchEvents } from '@cptflow/nest-host';
import type { ConsumedBatch, OutgoingRecord } from '@cptflow/platform';
import { STAGE_NAME } from '@cptflow/evaluation';

/** The evaluator's stage on the bus transport: one event is one batch of cpt.checkpoints records. */
@Controller()
export class CheckpointEventsController {
  constructor(@Inject(STAGE) private readonly stage: Stage) {}

  /** Records an evaluation job per checkpoint (the worker scores it outside the batch); bad records are dead letters. */
  @EventPattern<BatchEvents>(STAGE_NAME)
  recordJobs(@Payload() batch: ConsumedBatch): Promise<OutgoingRecord[]> {
    return this.stage.handle(batch);
  }
}

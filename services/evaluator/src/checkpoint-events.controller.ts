import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { Stage } from '../../../libs/pipeline-stages/src';
import { STAGE, type BatchEvents } from '../../../libs/service-host/src';
import type { ConsumedBatch, OutgoingRecord } from '../../../libs/transport/src/bus';
import { STAGE_NAME } from '../../../libs/eval-engine/src';

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

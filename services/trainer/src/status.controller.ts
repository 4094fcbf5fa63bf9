import { Controller, Get, Inject } from '@nestjs/common';
import type { TrainerStatus } from '../../../libs/trainer/src';
import { TrainerRunner } from './trainer.runner';

/** What a human (or a dashboard) asks a trainer: where it is, how it is doing, what it saved last. */
@Controller()
export class StatusController {
  constructor(@Inject(TrainerRunner) private readonly runner: TrainerRunner) {}

  @Get('status')
  status(): TrainerStatus {
    return this.runner.status();
  }
}

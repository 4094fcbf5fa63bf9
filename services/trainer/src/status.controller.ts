import { BadRequestException, Controller, Get, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { BearerTokenGuard } from '@cptflow/nest-host';
import type { TrainerStatus } from '@cptflow/training';
import { TrainerRunner } from './trainer.runner';

/** What a human (or a dashboard) asks a trainer: where it is, how it is doing, what it saved last. */
@Controller()
export class StatusController {
  constructor(@Inject(TrainerRunner) private readonly runner: TrainerRunner) {}

  @Get('status')
  status(): TrainerStatus {
    return this.runner.status();
  }

  /** Start the decay of an open-ended WSD schedule (400 for any other schedule); irreversible, so it needs the API token. */
  @Post('schedule/decay')
  @UseGuards(BearerTokenGuard)
  @HttpCode(202)
  decay(): TrainerStatus {
    try {
      this.runner.startDecay();
    } catch (err) {
      throw new BadRequestException((err as Error).message);
    }
    return this.runner.status();
  }
}

import { Controller, Get, HttpCode, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Readiness } from './readiness';

/** The part of the HTTP response we touch; keeps the platform (express) out of our types. */
interface StatusSettable {
  status(code: number): unknown;
}

/**
 * GET /ready: 200 while the service does its job (joined its group, store open), 503 before that and
 * once shutdown begins. The one readiness route: a service whose /health is its own (the evaluator's
 * checks the database) mounts this controller alone.
 */
@ApiTags('health')
@Controller()
export class ReadyController {
  constructor(@Inject(Readiness) private readonly readiness: Readiness) {}

  @Get('ready')
  @ApiOperation({ summary: 'Ready while the stage consumes and shutdown has not begun' })
  ready(@Res({ passthrough: true }) res: StatusSettable): ReturnType<Readiness['report']> {
    const report = this.readiness.report();
    res.status(report.ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}

/** Liveness says the process answers; readiness (GET /ready, inherited) says it is doing its job. */
@ApiTags('health')
@Controller()
export class HealthController extends ReadyController {
  @Get('health')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'The process answers' })
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }
}

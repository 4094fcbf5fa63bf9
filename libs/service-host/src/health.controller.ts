import { Controller, Get, HttpCode, HttpStatus, Inject, Res } from '@nestjs/common';
import { Readiness } from './readiness';

/** The part of the HTTP response we touch; keeps the platform (express) out of our types. */
interface StatusSettable {
  status(code: number): unknown;
}

/** Liveness says the process answers; readiness says it is doing its job (joined its group, store open). */
@Controller()
export class HealthController {
  constructor(@Inject(Readiness) private readonly readiness: Readiness) {}

  @Get('health')
  @HttpCode(HttpStatus.OK)
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  ready(@Res({ passthrough: true }) res: StatusSettable): ReturnType<Readiness['report']> {
    const report = this.readiness.report();
    res.status(report.ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}

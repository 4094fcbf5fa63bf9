// GET /ready: 200 while the store is open and the checkpoint consumer has joined its group, 503
// before that and once shutdown begins. (GET /health comes with the results API: it checks the database.)
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Readiness } from '../../../libs/service-host/src';

interface StatusSettable {
  status(code: number): unknown;
}

@ApiTags('health')
@Controller('ready')
export class ReadyController {
  constructor(@Inject(Readiness) private readonly readiness: Readiness) {}

  @Get()
  @ApiOperation({ summary: 'Ready when the checkpoint consumer runs and shutdown has not begun' })
  ready(@Res({ passthrough: true }) res: StatusSettable): ReturnType<Readiness['report']> {
    const report = this.readiness.report();
    res.status(report.ready ? 200 : 503);
    return report;
  }
}

// Writes an IngestHttpError as JSON with its status and headers (WWW-Authenticate on 401,
// Connection: close on 413 so an oversize upload's remaining bytes are not read).
import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { IngestHttpError } from '../../../libs/ingest/src';

@Catch(IngestHttpError)
export class IngestHttpErrorFilter implements ExceptionFilter<IngestHttpError> {
  catch(error: IngestHttpError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<ServerResponse>();
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const body = JSON.stringify({ statusCode: error.status, message: error.message, ...error.details });
    response.statusCode = error.status;
    for (const [name, value] of Object.entries(error.headers)) response.setHeader(name, value);
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.setHeader('Content-Length', Buffer.byteLength(body));
    response.end(body);
  }
}

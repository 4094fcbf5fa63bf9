// Writes an IngestHttpError as JSON with its status and headers (WWW-Authenticate on 401,
// Connection: close when the request body was not read, so the server does not drain it).
import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { IngestHttpError } from '@cptflow/data';

@Catch(IngestHttpError)
export class IngestHttpErrorFilter implements ExceptionFilter<IngestHttpError> {
  catch(error: IngestHttpError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<ServerResponse>();
    const request = host.switchToHttp().getRequest<IncomingMessage>();
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const body = JSON.stringify({ statusCode: error.status, message: error.message, ...error.details });
    response.statusCode = error.status;
    for (const [name, value] of Object.entries(error.headers)) response.setHeader(name, value);
    // Refused before the body was read (401, 413, 415...): close rather than drain an unwanted upload.
    if (!request.readableEnded) response.setHeader('Connection', 'close');
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.setHeader('Content-Length', Buffer.byteLength(body));
    response.end(body);
  }
}

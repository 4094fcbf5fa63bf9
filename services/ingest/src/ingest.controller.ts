// HTTP ingest: POST /ingest/upload streams a JSONL body (plain, gzip or zstd) into docs.raw;
// POST /ingest/path reads a file, folder or glob on the server, inside the configured ingest roots.
import { Controller, HttpCode, Inject, Post, Query, Req, UseFilters } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { IngestHttpError, IngestHttpHandler, IngestReport } from '../../../libs/ingest/src';
import { IngestHttpErrorFilter } from './ingest-http-error.filter';

/** Express's body parsers leave what they parsed in `body`. */
type MaybeParsedRequest = IncomingMessage & { body?: unknown };

/** True when a body parser (Nest enables express.json by default) has already read the stream. */
function bodyConsumed(request: MaybeParsedRequest): boolean {
  return request.body !== undefined || request.readableEnded;
}

const MAX_PATH_REQUEST_BYTES = 64 * 1024;

@Controller('ingest')
@UseFilters(IngestHttpErrorFilter)
export class IngestController {
  constructor(@Inject(IngestHttpHandler) private readonly handler: IngestHttpHandler) {}

  @Post('upload')
  @HttpCode(200)
  async upload(
    @Req() request: MaybeParsedRequest,
    @Query('name') name?: string,
    @Query('corpus') corpus?: string,
  ): Promise<IngestReport> {
    this.handler.authorize(request.headers.authorization);
    if (bodyConsumed(request)) {
      // A body parser read the stream already (it claimed the Content-Type), so nothing is left to stream.
      throw new IngestHttpError(415, 'send JSON Lines as application/x-ndjson or application/octet-stream, not application/json');
    }
    return this.handler.upload({
      body: request,
      authorization: request.headers.authorization,
      contentLength: request.headers['content-length'],
      contentEncoding: request.headers['content-encoding'],
      name,
      corpus,
    });
  }

  @Post('path')
  @HttpCode(200)
  async ingestPath(@Req() request: MaybeParsedRequest): Promise<IngestReport> {
    this.handler.authorize(request.headers.authorization);
    const body = bodyConsumed(request) ? request.body : await readSmallJson(request);
    const { path, corpus } = (body ?? {}) as { path?: unknown; corpus?: unknown };
    return this.handler.ingestPath({
      authorization: request.headers.authorization,
      path: typeof path === 'string' ? path : '',
      corpus: typeof corpus === 'string' ? corpus : undefined,
    });
  }
}

/** For hosts that disabled Nest's body parser: the path request is tiny JSON, read with a hard cap. */
async function readSmallJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_PATH_REQUEST_BYTES) throw new IngestHttpError(413, 'path request body too large', { Connection: 'close' });
    chunks.push(chunk);
  }
  if (total === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new IngestHttpError(400, 'body must be JSON: {"path": "..."}');
  }
}

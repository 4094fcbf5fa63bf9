// HTTP ingest: POST /ingest/upload streams a JSONL body (plain, gzip or zstd) into docs.raw;
// POST /ingest/path reads a file, folder or glob on the server, inside the configured ingest roots.
import { Controller, Get, HttpCode, Inject, OnApplicationShutdown, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { BearerTokenGuard } from '@cptflow/nest-host';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkUploadContentType, IngestHttpError, IngestHttpHandler, IngestJob, IngestReport, parsePathRequestBody, parseWaitQuery } from '@cptflow/data';
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
export class IngestController implements OnApplicationShutdown {
  constructor(@Inject(IngestHttpHandler) private readonly handler: IngestHttpHandler) {}

  /** Lets background path jobs finish publishing before the Bus is closed. */
  async onApplicationShutdown(): Promise<void> {
    await this.handler.drain();
  }

  @Post('upload')
  @UseGuards(BearerTokenGuard)
  @HttpCode(200)
  async upload(
    @Req() request: MaybeParsedRequest,
    @Query('name') name?: unknown,
    @Query('corpus') corpus?: unknown,
    @Query('minIntScore') minIntScore?: unknown,
  ): Promise<IngestReport> {
    const uploadName = singleQueryValue(name, 'name');
    const uploadCorpus = singleQueryValue(corpus, 'corpus');
    checkUploadContentType(request.headers['content-type']);
    if (bodyConsumed(request)) {
      // A body parser read the stream already (it claimed the Content-Type), so nothing is left to stream.
      throw new IngestHttpError(415, `send JSON Lines as application/x-ndjson or application/octet-stream, not ${request.headers['content-type']}`);
    }
    return this.handler.upload({
      body: request,
      contentLength: request.headers['content-length'],
      contentEncoding: request.headers['content-encoding'],
      name: uploadName,
      corpus: uploadCorpus,
      minIntScore: singleQueryValue(minIntScore, 'minIntScore'),
    });
  }

  /** `?wait=false` answers 202 with a job to poll at GET /ingest/jobs/:id instead of waiting. */
  @Post('path')
  @UseGuards(BearerTokenGuard)
  @HttpCode(200)
  async ingestPath(
    @Req() request: MaybeParsedRequest,
    @Res({ passthrough: true }) response: ServerResponse,
    @Query('wait') wait?: unknown,
  ): Promise<IngestReport | IngestJob> {
    const background = !parseWaitQuery(singleQueryValue(wait, 'wait'));
    const pathRequest = parsePathRequestBody(bodyConsumed(request) ? request.body : await readSmallJson(request));
    if (background) {
      const job = await this.handler.startPathJob(pathRequest);
      response.statusCode = 202;
      response.setHeader('Location', `/ingest/jobs/${job.id}`);
      return job;
    }
    return this.handler.ingestPath(pathRequest);
  }

  /** Reading a job needs the token too: its report names the server paths read. */
  @Get('jobs/:id')
  @UseGuards(BearerTokenGuard)
  job(@Param('id') id: string): IngestJob {
    return this.handler.job(id);
  }
}

/**
 * A query parameter given once, or not at all. Express turns `?name=a&name=b` into an array and
 * `?name[x]=a` into an object; either is the client's mistake, answered 400 rather than a 500 later.
 */
function singleQueryValue(value: unknown, parameter: string): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw new IngestHttpError(400, `query parameter "${parameter}" must be given once, as plain text`);
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

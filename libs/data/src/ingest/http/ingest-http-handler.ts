// The HTTP ingest endpoints without the framework: stream an upload or read a confined server path,
// publish through the Bus. The NestJS controller maps requests onto these methods; the host's one
// bearer-token guard (libs/nest-host's BearerTokenGuard, with `token` below) authorises them first.
import { randomUUID } from 'node:crypto';
import type { Bus } from '@cptflow/platform';
import { compressionFromContentEncoding, compressionFromName, DecompressionLimitError } from '../byte-stream';
import { DocumentPublisher, PublisherOptions, PublisherTopics, publishAll } from '../document-publisher';
import { SourceCounts } from '../ingest-stats';
import { IngestOptions, IngestProgress, IngestRun, openFiles, openJsonlStream } from '../open-source';
import { IngestSourceError, resolveSourceFiles, SourceFile } from '../source-files';
import { compileGlob, GlobError, isGlob } from '../glob';
import { CORPORA, resolveReaderOptions } from '../reader-options';
import { checkDeclaredLength, limitBytes, PayloadTooLargeError } from './body-limit';
import { IngestHttpError } from './http-error';
import { IngestRoots } from './ingest-roots';

export interface IngestHttpConfig {
  /** Shared secret clients send as `Authorization: Bearer <token>`; checked by the host's guard, not here. */
  token: string;
  /** Folders whose contents the path endpoint may read; nothing outside them is ever opened. */
  roots: string[];
  /** Largest upload body in bytes, as sent (compressed bytes when compressed). */
  maxUploadBytes: number;
  /**
   * Most bytes a compressed upload may decompress to (default: the reader's maxDecompressedBytes);
   * the reader's maxExpansionRatio applies too. Past either: 413.
   */
  maxUploadDecompressedBytes?: number;
  topics: PublisherTopics;
  reader?: IngestOptions;
  publisher?: Partial<PublisherOptions>;
}

export interface UploadRequest {
  body: AsyncIterable<Buffer | Uint8Array | string>;
  contentLength?: string | number;
  contentEncoding?: string;
  /** The upload's file name (query `name`): source label, and compression when no Content-Encoding. */
  name?: string;
  corpus?: string;
  /** Overrides the configured minIntScore for this upload (query `minIntScore`): a number, or its decimal text. */
  minIntScore?: unknown;
}

export interface PathRequest {
  path: string;
  corpus?: string;
  /** As UploadRequest.minIntScore, from the request body. */
  minIntScore?: unknown;
}

export interface IngestReport {
  documents: number;
  deadLetters: number;
  /** Well-formed rows the reader's filter (minIntScore) did not keep, published to docs.rejected. */
  rejected: number;
  total: SourceCounts;
  sources: Record<string, SourceCounts>;
  bytesRead: number;
}

export interface IngestJob {
  id: string;
  state: 'running' | 'done' | 'failed';
  progress: IngestProgress;
  report?: IngestReport;
  error?: string;
}

interface JobState {
  id: string;
  state: IngestJob['state'];
  run: IngestRun;
  startedAtMs: number;
  done?: Promise<void>;
  report?: IngestReport;
  error?: string;
}

const MIN_TOKEN_LENGTH = 16;
export const MAX_UPLOAD_NAME_LENGTH = 255;
const MAX_FINISHED_JOBS = 100;
/** Background path jobs reading at once; past it a script looping over shards with ?wait=false gets 429, not a reader per shard. */
export const MAX_RUNNING_PATH_JOBS = 4;

export class IngestHttpHandler {
  private readonly jobs = new Map<string, JobState>();

  private constructor(
    private readonly bus: Pick<Bus, 'publish'>,
    private readonly config: IngestHttpConfig,
    private readonly roots: IngestRoots,
  ) {}

  /** Validates the configuration; throws with a clear message on a weak token, bad limits or missing roots. */
  static async create(bus: Pick<Bus, 'publish'>, config: IngestHttpConfig): Promise<IngestHttpHandler> {
    if (typeof config.token !== 'string' || config.token.length < MIN_TOKEN_LENGTH) {
      throw new Error(`ingest HTTP token must be at least ${MIN_TOKEN_LENGTH} characters`);
    }
    for (const key of ['maxUploadBytes', 'maxUploadDecompressedBytes'] as const) {
      const value = config[key];
      if ((key === 'maxUploadBytes' || value !== undefined) && (!Number.isInteger(value) || (value as number) <= 0)) {
        throw new Error(`ingest ${key} must be a positive integer`);
      }
    }
    if (!config.topics?.raw || !config.topics?.deadLetter) throw new Error('ingest topics.raw and topics.deadLetter are required');
    resolveReaderOptions(config.reader);
    return new IngestHttpHandler(bus, config, await IngestRoots.of(config.roots));
  }

  async upload(request: UploadRequest): Promise<IngestReport> {
    const declared = checkDeclaredLength(request.contentLength, this.config.maxUploadBytes);
    const name = request.name?.trim() || 'upload.jsonl';
    if (/[\u0000-\u001f]/.test(name)) throw new IngestHttpError(400, 'invalid upload name');
    // The name travels in every document's source and every dead letter: a file name's length, no more.
    if (name.length > MAX_UPLOAD_NAME_LENGTH) throw new IngestHttpError(400, `upload name longer than ${MAX_UPLOAD_NAME_LENGTH} characters`);
    const byEncoding = compressionFromContentEncoding(request.contentEncoding);
    if (byEncoding === undefined) throw new IngestHttpError(415, `unsupported Content-Encoding "${request.contentEncoding}" (use gzip or zstd)`);
    const compression = byEncoding !== 'none' ? byEncoding : compressionFromName(name);
    const run = openJsonlStream(
      limitBytes(request.body, this.config.maxUploadBytes),
      { name: `upload:${name}`, compression, bytes: declared },
      { ...this.readerOptions(request), maxDecompressedBytes: this.config.maxUploadDecompressedBytes ?? this.config.reader?.maxDecompressedBytes },
    );
    const publisher = this.publisher();
    try {
      return await this.publishRun(run, publisher);
    } catch (err) {
      if (err instanceof PayloadTooLargeError || err instanceof DecompressionLimitError) {
        // Whole lines read before the limit are published (their ids are stable, so a corrected re-upload
        // is recognised by dedup); the client learns exactly how many.
        await publisher.flush();
        const message = err instanceof DecompressionLimitError ? `upload ${err.message}` : err.message;
        throw new IngestHttpError(413, message, { Connection: 'close' }, { published: { ...publisher.published } });
      }
      throw err;
    }
  }

  async ingestPath(request: PathRequest): Promise<IngestReport> {
    const run = await this.openPath(request);
    return this.publishRun(run, this.publisher());
  }

  /**
   * Starts a server-path ingest in the background (a shard can take longer than an HTTP client waits).
   * Access checks run before it starts, so a 403/404 still comes back on the request itself.
   */
  async startPathJob(request: PathRequest): Promise<IngestJob> {
    const running = [...this.jobs.values()].filter((job) => job.state === 'running').length;
    if (running >= MAX_RUNNING_PATH_JOBS) {
      throw new IngestHttpError(429, `${running} path jobs are running (at most ${MAX_RUNNING_PATH_JOBS}): poll one at GET /ingest/jobs/<id> and try again once it is done`, { 'Retry-After': '5' });
    }
    const run = await this.openPath(request);
    const job: JobState = { id: randomUUID(), state: 'running', run, startedAtMs: Date.now() };
    this.jobs.set(job.id, job);
    job.done = this.publishRun(run, this.publisher()).then(
      (report) => {
        job.state = 'done';
        job.report = report;
      },
      (err: unknown) => {
        job.state = 'failed';
        job.error = err instanceof Error ? err.message : String(err);
      },
    );
    this.forgetOldJobs();
    return this.jobView(job);
  }

  job(id: string): IngestJob {
    const job = this.jobs.get(id);
    if (!job) throw new IngestHttpError(404, 'no such job');
    return this.jobView(job);
  }

  /** Waits for background jobs to finish (graceful shutdown). */
  async drain(): Promise<void> {
    await Promise.all([...this.jobs.values()].map((job) => job.done));
  }

  private async openPath(request: PathRequest): Promise<IngestRun> {
    if (typeof request.path !== 'string' || request.path.trim() === '') throw new IngestHttpError(400, 'body must name a "path"');
    const options = this.readerOptions(request);
    const files = await this.confinedFiles(request.path, options);
    return openFiles(files, options);
  }

  private jobView(job: JobState): IngestJob {
    return { id: job.id, state: job.state, progress: job.run.progress(), report: job.report, error: job.error };
  }

  /** Finished jobs are kept for a while so clients can read the result, then dropped (bounded memory). */
  private forgetOldJobs(): void {
    const finished = [...this.jobs.values()].filter((job) => job.state !== 'running');
    for (const job of finished.slice(0, Math.max(0, finished.length - MAX_FINISHED_JOBS))) this.jobs.delete(job.id);
  }

  private async confinedFiles(requested: string, options: IngestOptions): Promise<SourceFile[]> {
    let pattern: string;
    if (isGlob(requested)) {
      // Confine the glob's literal base first, so the walk itself never starts outside a root.
      const absolute = this.roots.absolute(requested);
      refuseBadGlob(absolute);
      const firstMagic = absolute.search(/[*?[\]{}]/);
      const base = absolute.slice(0, absolute.lastIndexOf('/', firstMagic) + 1) || '/';
      await this.roots.confine(base);
      pattern = absolute;
    } else {
      pattern = await this.roots.confine(requested);
    }
    let files: SourceFile[];
    try {
      files = await resolveSourceFiles(pattern, resolveReaderOptions(options));
    } catch (err) {
      if (err instanceof IngestSourceError) throw new IngestHttpError(404, err.message.replace(pattern, requested));
      throw err;
    }
    // A folder or glob can contain symlinks leading out of the roots: check every file before reading any.
    const confined: SourceFile[] = [];
    for (const file of files) confined.push({ ...file, path: await this.roots.confineFile(file.path) });
    return confined;
  }

  private readerOptions({ corpus, minIntScore }: { corpus?: string; minIntScore?: unknown }): IngestOptions {
    const options: IngestOptions = { ...this.config.reader };
    if (corpus !== undefined && corpus !== '') {
      if (!(CORPORA as readonly string[]).includes(corpus)) {
        throw new IngestHttpError(400, `corpus must be ${CORPORA.join(' or ')} (got ${JSON.stringify(corpus.slice(0, 64))})`);
      }
      options.corpus = corpus;
    }
    const threshold = minIntScoreOf(minIntScore);
    if (threshold !== undefined) options.minIntScore = threshold;
    if (options.minIntScore !== undefined && !this.config.topics.rejected) {
      throw new IngestHttpError(400, 'minIntScore needs a rejected topic, and this ingest endpoint has none');
    }
    return options;
  }

  private publisher(): DocumentPublisher {
    return new DocumentPublisher(this.bus, this.config.topics, this.config.publisher);
  }

  private async publishRun(run: IngestRun, publisher: DocumentPublisher): Promise<IngestReport> {
    const published = await publishAll(run, publisher);
    const stats = run.stats.toJSON();
    return {
      documents: published.documents,
      deadLetters: published.deadLetters,
      rejected: published.rejected,
      total: stats.total,
      sources: stats.sources,
      bytesRead: run.progress().bytesRead,
    };
  }
}

/**
 * An upload's body is the JSON Lines file itself. A form (`curl -F file=@a.jsonl` sends
 * multipart/form-data) would be read as JSON Lines envelope and all, and a urlencoded body (`curl -d`,
 * which also strips the newlines) is no JSON Lines either: 415 naming the type, before any of it is read.
 */
export function checkUploadContentType(contentType: string | undefined): void {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type.startsWith('multipart/') || type === 'application/x-www-form-urlencoded') {
    throw new IngestHttpError(415, `send the JSON Lines file itself as the body, as application/x-ndjson or application/octet-stream (curl --data-binary @file.jsonl), not ${type}`);
  }
}

const PATH_REQUEST_FIELDS = ['path', 'corpus', 'minIntScore'];

/**
 * The JSON body of POST /ingest/path, checked: an object with a string `path`, optionally a string
 * `corpus` and `minIntScore`; any other field (a typo such as "minintscore") is a 400 rather than a
 * request silently read without it.
 */
export function parsePathRequestBody(body: unknown): PathRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new IngestHttpError(400, 'body must be a JSON object: {"path": "..."}');
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => !PATH_REQUEST_FIELDS.includes(k));
  if (unknown.length) throw new IngestHttpError(400, `unknown field(s) ${unknown.map((k) => JSON.stringify(k.slice(0, 64))).join(', ')}; allowed: ${PATH_REQUEST_FIELDS.join(', ')}`);
  const { path, corpus, minIntScore } = fields;
  if (typeof path !== 'string' || path.trim() === '') throw new IngestHttpError(400, 'body must name a "path"');
  if (corpus !== undefined && typeof corpus !== 'string') throw new IngestHttpError(400, `corpus must be ${CORPORA.join(' or ')}`);
  return { path, corpus, minIntScore };
}

/** `?wait=false` starts a background job; `true` or absent waits; anything else is a 400, never a guess. */
export function parseWaitQuery(wait: string | undefined): boolean {
  if (wait === undefined || wait === 'true') return true;
  if (wait === 'false') return false;
  throw new IngestHttpError(400, `query parameter "wait" must be true or false (got ${JSON.stringify(wait.slice(0, 64))})`);
}

/** A request's minIntScore: a finite number or its plain decimal text (a query string); absent or empty: none. */
function minIntScoreOf(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new IngestHttpError(400, 'minIntScore must be a number, e.g. 3 (keeps rows with int_score >= 3)');
  return n;
}

/** A glob past the length cap or with too many alternatives is the client's mistake: 400 before any walk. */
function refuseBadGlob(pattern: string): void {
  try {
    compileGlob(pattern);
  } catch (err) {
    if (err instanceof GlobError) throw new IngestHttpError(400, err.message);
    throw err;
  }
}

// What `cptflow ingest <path|glob>` does, without the command-line parsing: read the named files,
// publish documents and dead letters through the Bus, show progress, return the balanced counts.
import type { Bus } from '@cptflow/platform';
import { DocumentPublisher, PublisherOptions, PublisherTopics, publishAll } from './document-publisher';
import { SourceCounts } from './ingest-stats';
import { IngestOptions, openSource } from './open-source';
import { ProgressOutput, ProgressReporter } from './progress-reporter';

export interface IngestToBusOptions {
  topics: PublisherTopics;
  reader?: IngestOptions;
  publisher?: Partial<PublisherOptions>;
  /** Where progress goes (process.stderr in the CLI); omit for none. */
  progress?: ProgressOutput;
  progressIntervalMs?: number;
}

export interface IngestSummary {
  files: number;
  documents: number;
  deadLetters: number;
  /** Documents the reader's filter (minIntScore) sent to docs.rejected. */
  rejected: number;
  total: SourceCounts;
  sources: Record<string, SourceCounts>;
}

export async function ingestToBus(pathOrGlob: string, bus: Pick<Bus, 'publish'>, options: IngestToBusOptions): Promise<IngestSummary> {
  const run = await openSource(pathOrGlob, options.reader);
  const publisher = new DocumentPublisher(bus, options.topics, options.publisher);
  const reporter = options.progress
    ? new ProgressReporter({ out: options.progress, label: `ingest ${pathOrGlob}`, intervalMs: options.progressIntervalMs })
    : undefined;
  const published = await publishAll(run, publisher, reporter && (() => reporter.update(run.progress())));
  reporter?.finish(run.progress());
  const stats = run.stats.toJSON();
  return { files: run.files.length, documents: published.documents, deadLetters: published.deadLetters, rejected: published.rejected, ...stats };
}

// cptflow ingest: files, folders, globs and uploads in; Document items (or rejected records) out.
export * from './ingest-item';
export * from './reader-options';
export { contentHashId } from './stable-id';
export { openSource, openFiles, openJsonlStream } from './open-source';
export type { IngestRun, IngestProgress, IngestOptions, StreamSource } from './open-source';
export { resolveSourceFiles, formatFromName, IngestSourceError } from './source-files';
export type { SourceFile } from './source-files';
export { expandGlob, isGlob, globToRegExp } from './glob';
export { compressionFromName, compressionFromContentEncoding } from './byte-stream';
export { IngestStats } from './ingest-stats';
export type { SourceCounts } from './ingest-stats';
export { ProgressReporter, formatProgress, formatBytes, formatDuration } from './progress-reporter';
export type { ProgressOutput, ProgressReporterOptions } from './progress-reporter';
export { toDeadLetter, encodeDeadLetter, deadLetterReason, INGEST_STAGE } from './dead-letter';
export { DocumentPublisher, publishAll } from './document-publisher';
export type { PublisherTopics, PublisherOptions, PublishedCounts } from './document-publisher';
export * from './http';

// Publishes ingest items through the Bus in batches: documents to the raw topic keyed by id (so every
// copy of a document lands on the same partition, where dedup can recognise it), rejected records to
// the dead-letter topic. `add` waits while a full batch is being published, which is the backpressure
// that keeps a fast reader from racing ahead of the broker.
import { SpanKind } from '@opentelemetry/api';
import {
  inSpan,
  type Bus,
  type OutgoingRecord,
  codecFor,
  Document,
  Rejection,
  deadLetterForSource,
} from '@cptflow/platform';
import { INGEST_STAGE } from './dead-letter';
import { IngestItem } from './ingest-item';

export interface PublisherTopics {
  raw: string;
  deadLetter: string;
  /** docs.rejected: where documents the reader's filter did not keep go (needed only with such a filter). */
  rejected?: string;
}

export interface PublisherOptions {
  /** Records per publish call (one Kafka transaction). */
  batchRecords: number;
  /** Flush earlier when the batch's payload reaches this many bytes. */
  batchBytes: number;
  now: () => number;
  /** Called with each batch once the bus accepted it (the service's accounting counts these). */
  onPublished?: (records: OutgoingRecord[]) => void;
}

export interface PublishedCounts {
  documents: number;
  deadLetters: number;
  /** Documents written to docs.rejected by the reader's filter. */
  rejected: number;
  batches: number;
}

const documentCodec = codecFor<Document>(Document);
const rejectionCodec = codecFor<Rejection>(Rejection);

export class DocumentPublisher {
  private batch: OutgoingRecord[] = [];
  private batchBytes = 0;
  private readonly options: PublisherOptions;
  readonly published: PublishedCounts = { documents: 0, deadLetters: 0, rejected: 0, batches: 0 };
  private pending: PublishedCounts = { documents: 0, deadLetters: 0, rejected: 0, batches: 0 };

  constructor(
    private readonly bus: Pick<Bus, 'publish'>,
    private readonly topics: PublisherTopics,
    options: Partial<PublisherOptions> = {},
  ) {
    this.options = { batchRecords: 500, batchBytes: 4 * 1024 * 1024, now: () => Date.now(), ...options };
  }

  async add(item: IngestItem): Promise<void> {
    if (item.kind === 'document') {
      const value = documentCodec.encode(item.document);
      this.batch.push({ topic: this.topics.raw, key: item.document.id, value });
      this.batchBytes += value.length;
      this.pending.documents++;
    } else if (item.kind === 'filtered') {
      const { document, filter, rule, value, threshold } = item.filtered;
      if (!this.topics.rejected) throw new Error('a reader filter is on (minIntScore) but the publisher has no rejected topic');
      const record = { topic: this.topics.rejected, key: document.id, value: rejectionCodec.encode({ document, filter, rule, value, threshold }) };
      this.batch.push(record);
      this.batchBytes += record.value.length;
      this.pending.rejected++;
    } else {
      // The reason leads the error string ("bad_json: ...") so dead letters can be counted by reason.
      const { locator, original, reason, detail } = item.rejected;
      const record = deadLetterForSource(INGEST_STAGE, locator, original, `${reason}: ${detail}`, { now: this.options.now });
      this.batch.push({ ...record, topic: this.topics.deadLetter });
      this.batchBytes += record.value.length;
      this.pending.deadLetters++;
    }
    if (this.batch.length >= this.options.batchRecords || this.batchBytes >= this.options.batchBytes) await this.flush();
  }

  /** Publishes what is batched; counts move to `published` only once the bus has accepted them. */
  async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const records = this.batch;
    const counts = this.pending;
    this.batch = [];
    this.batchBytes = 0;
    this.pending = { documents: 0, deadLetters: 0, rejected: 0, batches: 0 };
    // One producer span per batch: the bus stamps its context on every record, so the stages' batch
    // spans downstream join this trace and a batch's path from ingest to packed sequences is one trace.
    await inSpan(
      'cptflow-ingest',
      `publish ${this.topics.raw}`,
      { kind: SpanKind.PRODUCER, attributes: { 'messaging.destination.name': this.topics.raw, 'messaging.batch.message_count': records.length } },
      () => this.bus.publish(records),
    );
    this.published.documents += counts.documents;
    this.published.deadLetters += counts.deadLetters;
    this.published.rejected += counts.rejected;
    this.published.batches++;
    this.options.onPublished?.(records);
  }
}

/** Drains items into the publisher, then flushes the last partial batch. */
export async function publishAll(
  items: AsyncIterable<IngestItem>,
  publisher: DocumentPublisher,
  onItem?: () => void,
): Promise<PublishedCounts> {
  for await (const item of items) {
    await publisher.add(item);
    onItem?.();
  }
  await publisher.flush();
  return { ...publisher.published };
}

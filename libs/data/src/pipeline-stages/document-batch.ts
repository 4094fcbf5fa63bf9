// What every document stage does around its decision: decode each record, send what does not decode
// to the stage's dead-letter topic, and hand the rest to the stage's logic in offset order.
import {
  codecFor,
  Document,
  type ConsumedBatch,
  type ConsumedRecord,
  type OutgoingRecord,
  deadLetterFor,
} from '@cptflow/platform';

export const documentCodec = codecFor<Document>(Document);

export interface DecodedDocument {
  document: Document;
  record: ConsumedRecord;
}

/** A document must have an id and text to be worth passing on; anything else is a dead letter. */
function checkDocument(document: Document): void {
  if (!document.id) throw new Error('document has no id');
  if (typeof document.text !== 'string' || document.text.length === 0) throw new Error(`document ${document.id} has no text`);
}

export function decodeDocuments(stage: string, batch: ConsumedBatch, deadLetterPrefix?: string): { documents: DecodedDocument[]; deadLetters: OutgoingRecord[] } {
  const documents: DecodedDocument[] = [];
  const deadLetters: OutgoingRecord[] = [];
  for (const record of batch.records) {
    try {
      const document = documentCodec.decode(record.value);
      checkDocument(document);
      documents.push({ document, record });
    } catch (error) {
      deadLetters.push(deadLetterFor(stage, record, error, { prefix: deadLetterPrefix }));
    }
  }
  return { documents, deadLetters };
}

/** A document passed downstream keeps its id as key (same partitioning all the way) and its trace. */
export function forwardDocument(topic: string, document: Document, from: ConsumedRecord): OutgoingRecord {
  return { topic, key: document.id ?? undefined, value: documentCodec.encode(document), headers: traceHeaders(from) };
}

export function traceHeaders(from: ConsumedRecord): Record<string, string> {
  const headers: Record<string, string> = {};
  if (from.headers.traceparent) headers.traceparent = from.headers.traceparent;
  if (from.headers.tracestate) headers.tracestate = from.headers.tracestate;
  return headers;
}

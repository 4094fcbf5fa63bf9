// Bad input never stops a stream: it becomes a DeadLetter record on the stage's dead-letter topic,
// carrying the error and the original bytes, keyed like the original so it stays near its neighbours.
import { codecFor, DeadLetter, deadLetterTopic } from '../contracts';
import type { ConsumedRecord, OutgoingRecord } from './bus';

const deadLetterCodec = codecFor<DeadLetter>(DeadLetter);

/** Header that marks a record as a dead letter, so transports can count them without decoding. */
export const DEAD_LETTER_HEADER = 'cptflow-dead-letter';

export interface DeadLetterOptions {
  /** Topic prefix (default `cpt`), as in deadLetterTopic(). */
  prefix?: string;
  /** Clock, injectable for deterministic tests. */
  now?: () => number;
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function carriedHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = { [DEAD_LETTER_HEADER]: '1' };
  // Keep the trace context so the dead letter shows up in the trace of the batch it came from.
  if (headers?.traceparent) out.traceparent = headers.traceparent;
  if (headers?.tracestate) out.tracestate = headers.tracestate;
  return out;
}

/** A dead-letter record for a record consumed from a topic that `stage` could not process. */
export function deadLetterFor(stage: string, record: ConsumedRecord, error: unknown, options: DeadLetterOptions = {}): OutgoingRecord {
  const message: DeadLetter = {
    stage,
    error: errorText(error),
    original: record.value,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    atMs: (options.now ?? Date.now)(),
  };
  return {
    topic: deadLetterTopic(stage, options.prefix),
    key: record.key,
    value: deadLetterCodec.encode(message),
    headers: carriedHeaders(record.headers),
  };
}

/**
 * A dead-letter record for input that never became a message (a bad JSON line, invalid UTF-8):
 * `source` says where it was read, e.g. `corpus.jsonl:1234`.
 */
export function deadLetterForSource(stage: string, source: string, original: Uint8Array, error: unknown, options: DeadLetterOptions = {}): OutgoingRecord {
  const message: DeadLetter = { stage, error: errorText(error), original, source, atMs: (options.now ?? Date.now)() };
  return { topic: deadLetterTopic(stage, options.prefix), key: source, value: deadLetterCodec.encode(message), headers: carriedHeaders(undefined) };
}

/** Decodes a dead-letter record's value (for tests, tools and re-drive scripts). */
export function decodeDeadLetter(value: Uint8Array): DeadLetter {
  return deadLetterCodec.decode(value);
}

export function isDeadLetter(record: OutgoingRecord | ConsumedRecord): boolean {
  return record.headers?.[DEAD_LETTER_HEADER] === '1';
}

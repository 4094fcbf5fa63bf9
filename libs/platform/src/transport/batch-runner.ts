// What both transports do around a stage's handler: one consumer span per batch (parented to the
// producers' trace contexts), trace context stamped on every output, and the standard metrics counted
// once the batch's outputs and offsets are committed.
import {
  countConsumed,
  countDeadLetters,
  countProduced,
  injectTraceContext,
  recordBatchDuration,
  withBatchSpan,
} from '../telemetry';
import type { BatchHandler, CommittedListener, ConsumedBatch, OutgoingRecord } from './bus';
import { isDeadLetter } from './dead-letter';

/**
 * Runs `handler` on `batch`, then `commit` with its (trace-stamped) outputs, inside one span.
 * Throws what the handler or the commit threw; nothing is counted then.
 */
export async function runBatch(
  stage: string,
  batch: ConsumedBatch,
  handler: BatchHandler,
  commit: (outputs: OutgoingRecord[]) => Promise<void>,
  onCommitted?: CommittedListener,
): Promise<void> {
  const started = performance.now();
  const attributes = {
    'messaging.system': 'kafka',
    'messaging.operation.type': 'process',
    'messaging.destination.name': batch.topic,
    'messaging.destination.partition.id': String(batch.partition),
    'messaging.consumer.group.name': stage,
    'messaging.batch.message_count': batch.records.length,
  };
  const outputs = await withBatchSpan(`process ${batch.topic}`, { attributes, carriers: batch.records.map((r) => r.headers) }, async () => {
    const produced = stampTraceContext(await handler(batch));
    await commit(produced);
    return produced;
  });
  onCommitted?.(batch, outputs);
  countConsumed(stage, batch.topic, batch.records.length);
  countOutputs(stage, outputs);
  recordBatchDuration(stage, batch.topic, performance.now() - started);
}

/** Gives each record without its own trace context the active one (the batch span, or the publisher's). */
export function stampTraceContext(records: OutgoingRecord[]): OutgoingRecord[] {
  return records.map((record) =>
    record.headers?.traceparent ? record : { ...record, headers: injectTraceContext({ ...(record.headers ?? {}) }) },
  );
}

function countOutputs(stage: string, outputs: OutgoingRecord[]): void {
  const perTopic = new Map<string, number>();
  let deadLetters = 0;
  for (const record of outputs) {
    perTopic.set(record.topic, (perTopic.get(record.topic) ?? 0) + 1);
    if (isDeadLetter(record)) deadLetters++;
  }
  for (const [topic, count] of perTopic) countProduced(stage, topic, count);
  if (deadLetters) countDeadLetters(stage, deadLetters);
}

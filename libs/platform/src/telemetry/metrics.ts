// The standard instruments every stage reports. Instruments are created lazily and re-created when the
// global meter provider changes, because a meter taken before startTelemetry() registers the SDK stays
// a no-op forever.
import { metrics, type Attributes, type Counter, type Histogram, type ObservableGauge } from '@opentelemetry/api';

const METER_NAME = 'cptflow';

let cache: { provider: unknown; counters: Map<string, Counter>; histograms: Map<string, Histogram> } | undefined;

function instruments() {
  const provider = metrics.getMeterProvider();
  if (cache?.provider !== provider) cache = { provider, counters: new Map(), histograms: new Map() };
  return cache;
}

function meter() {
  return metrics.getMeter(METER_NAME);
}

function counter(name: string, description: string): Counter {
  const { counters } = instruments();
  let found = counters.get(name);
  if (!found) counters.set(name, (found = meter().createCounter(name, { description })));
  return found;
}

function histogram(name: string, description: string, unit: string): Histogram {
  const { histograms } = instruments();
  let found = histograms.get(name);
  if (!found) histograms.set(name, (found = meter().createHistogram(name, { description, unit })));
  return found;
}

/** Records a stage consumed, by stage and topic. Rate = records/s per stage. */
export function countConsumed(stage: string, topic: string, records: number): void {
  counter('cptflow.records.consumed', 'records consumed by a stage').add(records, { stage, topic });
}

/** Records a stage produced, by stage and destination topic. */
export function countProduced(stage: string, topic: string, records: number): void {
  counter('cptflow.records.produced', 'records produced by a stage').add(records, { stage, topic });
}

/** Records sent to a dead-letter topic, by stage. */
export function countDeadLetters(stage: string, records = 1): void {
  counter('cptflow.dead_letters', 'records sent to a dead-letter topic').add(records, { stage });
}

/**
 * Where each document ended up, so the counts can be shown to balance: outcome is kept, rejected,
 * duplicate or dead_letter; `reason` names the rule for rejections.
 */
export function countOutcome(stage: string, outcome: 'kept' | 'rejected' | 'duplicate' | 'dead_letter', reason?: string, documents = 1): void {
  const attributes: Attributes = { stage, outcome };
  if (reason) attributes.reason = reason;
  counter('cptflow.documents', 'documents by stage and outcome').add(documents, attributes);
}

/** Duration of one batch's transform and commit. */
export function recordBatchDuration(stage: string, topic: string, milliseconds: number): void {
  histogram('cptflow.batch.duration', 'batch transform + commit time', 'ms').record(milliseconds, { stage, topic });
}

// Lag is a gauge: the transports report the latest value per (stage, topic, partition) and the
// observable callback reads them at collection time.
const lagByPartition = new Map<string, { value: number; attributes: Attributes }>();
let lagGauge: { provider: unknown; gauge: ObservableGauge } | undefined;

function ensureLagGauge(): void {
  const provider = metrics.getMeterProvider();
  if (lagGauge?.provider === provider) return;
  const gauge = meter().createObservableGauge('cptflow.consumer.lag', { description: 'records not yet consumed, per partition' });
  gauge.addCallback((result) => {
    for (const { value, attributes } of lagByPartition.values()) result.observe(value, attributes);
  });
  lagGauge = { provider, gauge };
}

/** Sets a consumer's current lag (records between its position and the partition's end). */
export function setConsumerLag(stage: string, topic: string, partition: number, lag: number): void {
  ensureLagGauge();
  lagByPartition.set(`${stage}\u0000${topic}\u0000${partition}`, { value: Math.max(0, lag), attributes: { stage, topic, partition } });
}

/** A stage's lag summed over its partitions, as last reported by its transport. */
export function consumerLag(stage: string): number {
  let total = 0;
  for (const [key, { value }] of lagByPartition) if (key.startsWith(`${stage}\u0000`)) total += value;
  return total;
}

/** Forgets a stage's lag series, e.g. when its partitions are revoked or it stops. */
export function clearConsumerLag(stage: string): void {
  for (const key of lagByPartition.keys()) if (key.startsWith(`${stage}\u0000`)) lagByPartition.delete(key);
}

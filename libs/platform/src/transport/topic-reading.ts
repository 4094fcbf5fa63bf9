// Helpers for tests and benchmarks that drive a Bus: unique topic names and reading a topic to the end.
import { randomBytes } from 'node:crypto';
import type { Bus, ConsumedRecord } from './bus';

/** Unique per run and per test, so reruns against one long-lived broker never see old records. */
export function uniqueName(label: string): string {
  return `test.${label}.${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/**
 * Reads every committed record of `topic` (all partitions, from the start) until `expected` have
 * arrived and then `graceMs` more passed with nothing new, so duplicates would show. Uses
 * consumeFrom, so it also exercises the external-offsets path.
 */
export async function readTopic(bus: Bus, topic: string, expected: number, timeoutMs: number, graceMs = 500): Promise<ConsumedRecord[]> {
  const seen: ConsumedRecord[] = [];
  let lastArrival = Date.now();
  const subscription = await bus.consumeFrom({
    topics: [topic],
    handler: async (batch) => {
      seen.push(...batch.records);
      lastArrival = Date.now();
      return [];
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !(seen.length >= expected && Date.now() - lastArrival >= graceMs)) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await subscription.stop();
  return seen;
}

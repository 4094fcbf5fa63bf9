// Reads what a pipeline wrote, from the beginning, under a throwaway consumer group: the test's view of
// the topics, independent of the stages' own groups.
import type { TopicsConfig, Bus, ConsumedRecord } from '@cptflow/platform';

export async function readTopics(bus: Bus, topics: string[], expected: number, timeoutMs = 60_000): Promise<ConsumedRecord[]> {
  const records: ConsumedRecord[] = [];
  const subscription = await bus.consume({
    groupId: `test-reader-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    topics,
    handler: async (batch) => {
      records.push(...batch.records);
      return [];
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (records.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  // A moment more, so a surplus (a doubled record) would be seen too.
  await new Promise((r) => setTimeout(r, 300));
  await subscription.stop();
  return records;
}

/** Topic names unique to one test run, so runs never see each other's records. */
export function uniqueTopics(prefix: string): TopicsConfig {
  return {
    docsRaw: `${prefix}.docs.raw`,
    docsFiltered: `${prefix}.docs.filtered`,
    docsRejected: `${prefix}.docs.rejected`,
    docsUnique: `${prefix}.docs.unique`,
    docsDuplicate: `${prefix}.docs.duplicate`,
    seqsPacked: `${prefix}.seqs.packed`,
    seqsReplay: `${prefix}.seqs.replay`,
    packerState: `${prefix}.packer.state`,
    checkpoints: `${prefix}.checkpoints`,
    evals: `${prefix}.evals`,
    trainingMetrics: `${prefix}.metrics.training`,
    stageAccounting: `${prefix}.metrics.accounting`,
    deadLetterPrefix: prefix,
  };
}

// The one typed configuration of cptflow. Every service reads its own section; defaults make the
// single-process mode (`npm start`) work with no file at all.
import { z } from 'zod';
import { DEFAULT_TOPICS } from '../contracts/topics';

const port = z.number().int().min(0).max(65535);

/** The longest delay a Node timer holds: 2^31 - 1 ms (about 24.8 days). A longer one fires after 1 ms instead. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A delay or period in units of `unitMs` (1: milliseconds, 1000: seconds, 60000: minutes) that a
 * timer can wait: positive and at most MAX_TIMER_MS. Every timer setting uses it, so a huge value
 * meant as "practically never" is refused by name instead of firing every millisecond.
 */
export function timerPeriod(unitMs: number): z.ZodNumber {
  const max = MAX_TIMER_MS / unitMs;
  return z.number().positive().max(max, `must be at most ${max} (Node's timers wait at most 2^31-1 ms, about 24.8 days)`);
}

/** host:port, the host a name, an IPv4 address or a bracketed IPv6 address. */
const broker = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:9092');

export const busSchema = z
  .object({
    /** `memory`: the in-process bus (single process). `kafka`: a real cluster. */
    kind: z.enum(['memory', 'kafka']).default('memory'),
    brokers: z.array(broker).min(1, 'name at least one broker as host:port (KAFKA_BROKERS=host1:9092,host2:9092)').default(['127.0.0.1:9092']),
    clientId: z.string().min(1).default('cptflow'),
    /** Partitions given to topics the bus creates; the upper bound on consumers per stage. */
    partitions: z.number().int().min(1).max(1024).default(6),
    maxBatchRecords: z.number().int().min(1).default(500),
  })
  .strict();

export const topicsSchema = z
  .object({
    docsRaw: z.string().min(1).default(DEFAULT_TOPICS.docsRaw),
    docsFiltered: z.string().min(1).default(DEFAULT_TOPICS.docsFiltered),
    docsRejected: z.string().min(1).default(DEFAULT_TOPICS.docsRejected),
    docsUnique: z.string().min(1).default(DEFAULT_TOPICS.docsUnique),
    docsDuplicate: z.string().min(1).default(DEFAULT_TOPICS.docsDuplicate),
    seqsPacked: z.string().min(1).default(DEFAULT_TOPICS.seqsPacked),
    seqsReplay: z.string().min(1).default(DEFAULT_TOPICS.seqsReplay),
    /** The packer's carried open sequences per input partition (compacted). */
    packerState: z.string().min(1).default('cpt.packer.state'),
    checkpoints: z.string().min(1).default(DEFAULT_TOPICS.checkpoints),
    evals: z.string().min(1).default(DEFAULT_TOPICS.evals),
    trainingMetrics: z.string().min(1).default(DEFAULT_TOPICS.trainingMetrics),
    stageAccounting: z.string().min(1).default(DEFAULT_TOPICS.stageAccounting),
    /** Dead-letter topics are `${deadLetterPrefix}.dlq.<stage>`. */
    deadLetterPrefix: z.string().min(1).default('cpt'),
  })
  .strict();

export const httpSchema = z
  .object({
    host: z.string().default('127.0.0.1'),
    port: port.default(0),
  })
  .strict();

export const loggingSchema = z
  .object({
    /** Every stage service logs a one-line summary of what it did this often (while anything changes). */
    summaryEverySeconds: timerPeriod(1000).default(30),
  })
  .strict();

/**
 * The stage sections there are. A section's contents are validated strictly by the service that owns
 * it; its name is checked here, by every service, so `stages.dedupe` stops every process at start
 * instead of silently leaving dedup on its defaults (each replica with its own in-memory store).
 */
export const STAGE_SECTIONS = ['ingest', 'qualityFilter', 'dedup', 'packer', 'trainer', 'evaluator'] as const;

export const stagesSchema = z
  .record(z.string(), z.record(z.string(), z.unknown()))
  .superRefine((stages, ctx) => {
    for (const name of Object.keys(stages)) {
      if ((STAGE_SECTIONS as readonly string[]).includes(name)) continue;
      ctx.addIssue({ code: 'custom', path: [name], message: unknownStageMessage(name) });
    }
  });

export const cptflowConfigSchema = z
  .object({
    bus: busSchema.default({}),
    topics: topicsSchema.default({}),
    http: httpSchema.default({}),
    logging: loggingSchema.default({}),
    stages: stagesSchema.default({}),
  })
  .strict();

function unknownStageMessage(name: string): string {
  const squash = (s: string) => s.toLowerCase().replace(/[^a-z]/g, '');
  const near = STAGE_SECTIONS.find((known) => squash(known) === squash(name) || editDistance(squash(known), squash(name)) <= 2);
  const envName = (section: string) => `CPTFLOW__STAGES__${section.replace(/([A-Z])/g, '_$1').toUpperCase()}__...`;
  const hint = near ? ` Did you mean "${near}" (environment: ${envName(near)})?` : '';
  return `unknown stage section "${name}".${hint} Known: ${STAGE_SECTIONS.join(', ')}`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

export type CptflowConfig = z.infer<typeof cptflowConfigSchema>;
export type BusConfig = z.infer<typeof busSchema>;
export type TopicsConfig = z.infer<typeof topicsSchema>;

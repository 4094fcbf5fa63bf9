// The one typed configuration of cptflow. Every service reads its own section; defaults make the
// single-process mode (`npm start`) work with no file at all.
import { z } from 'zod';
import { DEFAULT_TOPICS } from '../../contracts/src/topics';

const port = z.number().int().min(0).max(65535);

export const busSchema = z
  .object({
    /** `memory`: the in-process bus (single process). `kafka`: a real cluster. */
    kind: z.enum(['memory', 'kafka']).default('memory'),
    brokers: z.array(z.string().min(1)).default(['127.0.0.1:9092']),
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
    summaryEverySeconds: z.number().positive().default(30),
  })
  .strict();

export const cptflowConfigSchema = z
  .object({
    bus: busSchema.default({}),
    topics: topicsSchema.default({}),
    http: httpSchema.default({}),
    logging: loggingSchema.default({}),
    /** Stage sections are validated by each stage's own schema (see the stage's lib). */
    stages: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export type CptflowConfig = z.infer<typeof cptflowConfigSchema>;
export type BusConfig = z.infer<typeof busSchema>;
export type TopicsConfig = z.infer<typeof topicsSchema>;

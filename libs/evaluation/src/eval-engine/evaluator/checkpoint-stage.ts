// The Kafka side of the evaluator. The batch handler only records: each CheckpointEvent on
// cpt.checkpoints becomes a row in the evaluation jobs table (where another stage would write its
// outputs) before the consumed offset is committed, so the consumer never holds a batch for the
// length of an evaluation. A malformed event is dead-lettered in the same batch. The evaluation
// itself runs later, in the EvaluationWorker, through `runJob`.
import { context } from '@opentelemetry/api';
import {
  CheckpointEvent,
  codecFor,
  ContractError,
  EvalEvent,
  extractTraceContext,
  type ConsumedBatch,
  type ConsumedRecord,
  type OutgoingRecord,
  deadLetterFor,
} from '@cptflow/platform';
import { verifyFileDigests } from '@cptflow/training';
import {
  checkCheckpoint,
  checkpointRecordFromEvent,
  CheckpointView,
  EvaluationJobs,
  EvaluationJobView,
  evalEventFromResults,
  ResultsError,
  ResultsService,
} from '@cptflow/results';
import type { Stage } from '@cptflow/data';
import { CheckpointEvaluator, EvaluationOutcome, EvaluationSpec } from './checkpoint-evaluator';

export const STAGE_NAME = 'evaluator';

const checkpointCodec = codecFor<CheckpointEvent>(CheckpointEvent);
export const evalEventCodec = codecFor<EvalEvent>(EvalEvent);

/** A consumed record as a job keeps it (JSON; the value in base64), to evaluate or dead-letter later. */
interface RecordPayload {
  record: { topic: string; partition: number; offset: string; key?: string | null; headers: Record<string, string>; value: string };
}

/** An evaluation asked for over the API. */
export interface RequestPayload {
  request: { checkpointId: number } & EvaluationSpec;
}

/** What a finished job leaves: the records to publish, and a summary stored with the job. */
export interface JobResult {
  outputs: OutgoingRecord[];
  outcome: Array<{ checkpointId: number; run: string; step: number; evaluated: string[]; skipped: string[] }>;
}

export interface CheckpointStageOptions {
  groupId: string;
  checkpointsTopic: string;
  evalsTopic: string;
  deadLetterPrefix: string;
  /** Evaluated as a run's base (step 0) when its first checkpoint arrives and it has none. */
  baseModelDir?: string;
  /** Called after a batch recorded jobs (the worker wakes instead of waiting for its next poll). */
  onJobsRecorded?: () => void;
  log?: (message: string) => void;
}

export class CheckpointStage {
  constructor(
    private readonly results: ResultsService,
    private readonly evaluator: CheckpointEvaluator,
    private readonly jobs: EvaluationJobs,
    private readonly options: CheckpointStageOptions,
  ) {}

  asStage(): Stage {
    return {
      name: STAGE_NAME,
      groupId: this.options.groupId,
      inputTopics: [this.options.checkpointsTopic],
      outputTopics: [this.options.evalsTopic],
      handle: (batch) => this.handle(batch),
    };
  }

  /**
   * One job per consumed record (keyed by topic/partition/offset, so a re-delivered batch records
   * nothing twice). A database that does not answer throws: the bus retries the batch with backoff.
   */
  async handle(batch: ConsumedBatch): Promise<OutgoingRecord[]> {
    const out: OutgoingRecord[] = [];
    let recorded = 0;
    for (const record of batch.records) {
      try {
        checkCheckpoint(checkpointRecordFromEvent(checkpointCodec.decode(record.value)));
      } catch (error) {
        if (!(error instanceof ContractError || (error instanceof ResultsError && error.kind === 'invalid'))) throw error;
        out.push(this.deadLetter(record, error));
        continue;
      }
      await this.jobs.enqueue({ key: `${record.topic}/${record.partition}/${record.offset}`, kind: 'checkpoint-event', payload: payloadOf(record) });
      recorded++;
    }
    if (recorded > 0) this.options.onJobsRecorded?.();
    return out;
  }

  /** Evaluates what a job names: the consumed checkpoint event (its export verified first), or an API request. */
  async runJob(job: EvaluationJobView): Promise<JobResult> {
    if (job.kind === 'request') {
      const { checkpointId, ...spec } = (job.payload as RequestPayload).request;
      const outcome = await this.evaluator.evaluate(await this.results.checkpoint(checkpointId), spec);
      return { outputs: [this.evalRecord(outcome)], outcome: [summaryOf(outcome)] };
    }
    const record = recordOf(job.payload as RecordPayload);
    // The event carries the trainer's trace context: the evaluation continues the checkpoint's trace.
    return context.with(extractTraceContext(record.headers), () => this.runEventJob(record));
  }

  private async runEventJob(record: ConsumedRecord): Promise<JobResult> {
    const event = checkpointCodec.decode(record.value);
    // A damaged or swapped export is refused before it is scored (it would be stored as a result).
    if (event.hfFiles?.length) {
      await verifyFileDigests(event.hfPath || event.path!, event.hfFiles.map((f) => ({ name: f.name ?? '', bytes: Number(f.bytes ?? 0), sha256: f.sha256 ?? '' })));
    }
    const outcomes = await this.evaluateEvent(event);
    return { outputs: outcomes.map((o) => this.evalRecord(o, record.headers)), outcome: outcomes.map(summaryOf) };
  }

  /** The dead letter for a job given up on: the original record with the reason (API requests have none; their job keeps the reason). */
  deadLetterOf(job: EvaluationJobView, error: unknown): OutgoingRecord | null {
    return job.kind === 'checkpoint-event' ? this.deadLetter(recordOf(job.payload as RecordPayload), error) : null;
  }

  evalRecord(outcome: EvaluationOutcome, headers: Record<string, string> = {}): OutgoingRecord {
    const trace: Record<string, string> = {};
    if (headers.traceparent) trace.traceparent = headers.traceparent;
    if (headers.tracestate) trace.tracestate = headers.tracestate;
    return {
      topic: this.options.evalsTopic,
      key: outcome.checkpoint.run,
      value: evalEventCodec.encode(evalEventFromResults(outcome.checkpoint, outcome.results)),
      headers: trace,
    };
  }

  private deadLetter(record: ConsumedRecord, error: unknown): OutgoingRecord {
    this.options.log?.(`checkpoint record ${record.topic}[${record.partition}]@${record.offset} dead-lettered: ${(error as Error).message}`);
    return deadLetterFor(STAGE_NAME, record, error, { prefix: this.options.deadLetterPrefix });
  }

  private async evaluateEvent(event: CheckpointEvent): Promise<EvaluationOutcome[]> {
    const checkpoint = await this.results.recordCheckpoint(checkpointRecordFromEvent(event));
    const outcomes: EvaluationOutcome[] = [];
    const baseDir = this.options.baseModelDir;
    if (!checkpoint.isBase && checkpoint.step > 0 && baseDir && !(await this.results.baseCheckpoint(checkpoint.run))) {
      const base = await this.results.recordCheckpoint({ run: checkpoint.run, step: 0, tokensSeen: 0, path: baseDir, hfPath: baseDir, isBase: true });
      this.options.log?.(`${checkpoint.run}: first checkpoint without a base; evaluating ${baseDir} as its base`);
      outcomes.push(await this.evaluator.evaluate(base));
    }
    outcomes.push(await this.evaluator.evaluate(checkpoint));
    return outcomes;
  }
}

function payloadOf(record: ConsumedRecord): RecordPayload {
  const { topic, partition, offset, key, headers } = record;
  return { record: { topic, partition, offset, key: key ?? null, headers: headers ?? {}, value: Buffer.from(record.value).toString('base64') } };
}

function recordOf(payload: RecordPayload): ConsumedRecord {
  const r = payload.record;
  return { topic: r.topic, partition: r.partition, offset: r.offset, key: r.key ?? undefined, headers: r.headers, value: Buffer.from(r.value, 'base64') };
}

function summaryOf(outcome: EvaluationOutcome): JobResult['outcome'][number] {
  const c: CheckpointView = outcome.checkpoint;
  return { checkpointId: c.id, run: c.run, step: c.step, evaluated: outcome.evaluated, skipped: outcome.skipped };
}

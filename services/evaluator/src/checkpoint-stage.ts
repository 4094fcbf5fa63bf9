// The Kafka side of the evaluator: each CheckpointEvent on cpt.checkpoints is recorded, evaluated
// (after the run's base model, the first time a run is seen without one) and answered with an
// EvalEvent on cpt.evals. The EvalEvent and the consumed offset commit together, and every stored
// result is keyed by (checkpoint, task, metric) and skipped when present, so a re-delivered event
// re-publishes its EvalEvent without scoring anything again.
import { CheckpointEvent, codecFor, ContractError, EvalEvent } from '../../../libs/contracts/src';
import { ModelDirError } from '../../../libs/eval-engine/src';
import { TaskDataError, TaskDefinitionError } from '../../../libs/eval/src';
import { ModelConfigError } from '../../../libs/model-config/src';
import { checkpointRecordFromEvent, CheckpointView, evalEventFromResults, ResultsError, ResultsService } from '../../../libs/results-store/src';
import { SafetensorsError } from '../../../libs/safetensors/src';
import type { ConsumedBatch, OutgoingRecord } from '../../../libs/transport/src/bus';
import { deadLetterFor } from '../../../libs/transport/src/dead-letter';
import type { Stage } from '../../../libs/pipeline-stages/src';
import { CheckpointEvaluator, EvaluationOutcome, EvaluationSpec } from './checkpoint-evaluator';
import { EvaluationLock } from './evaluation-lock';
import { HeldoutDataError } from './heldout-text';
import { UnknownTaskError } from './task-catalog';

export const STAGE_NAME = 'evaluator';

const checkpointCodec = codecFor<CheckpointEvent>(CheckpointEvent);
export const evalEventCodec = codecFor<EvalEvent>(EvalEvent);

/**
 * Errors that the same input would raise again: the record goes to the dead-letter topic instead of
 * blocking the partition. Anything else (the database away, the worker crashed) is retried.
 */
function isPermanent(error: unknown): boolean {
  if (error instanceof ResultsError) return error.kind === 'invalid';
  return [ContractError, ModelDirError, ModelConfigError, SafetensorsError, TaskDataError, TaskDefinitionError, HeldoutDataError, UnknownTaskError].some(
    (cls) => error instanceof cls,
  );
}

export interface CheckpointStageOptions {
  groupId: string;
  checkpointsTopic: string;
  evalsTopic: string;
  deadLetterPrefix: string;
  /** Evaluated as a run's base (step 0) when its first checkpoint arrives and it has none. */
  baseModelDir?: string;
  log?: (message: string) => void;
}

export class CheckpointStage {
  constructor(
    private readonly results: ResultsService,
    private readonly evaluator: CheckpointEvaluator,
    private readonly lock: EvaluationLock,
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

  async handle(batch: ConsumedBatch): Promise<OutgoingRecord[]> {
    const out: OutgoingRecord[] = [];
    for (const record of batch.records) {
      try {
        const event = checkpointCodec.decode(record.value);
        for (const outcome of await this.lock.run(() => this.evaluateEvent(event))) out.push(this.evalRecord(outcome, record.headers));
      } catch (error) {
        if (!isPermanent(error)) throw error;
        this.options.log?.(`checkpoint record ${record.topic}[${record.partition}]@${record.offset} dead-lettered: ${(error as Error).message}`);
        out.push(deadLetterFor(STAGE_NAME, record, error, { prefix: this.options.deadLetterPrefix }));
      }
    }
    return out;
  }

  /** Evaluates a checkpoint the API asked for; the EvalEvent is the caller's to publish. */
  evaluateCheckpoint(checkpoint: CheckpointView, spec: EvaluationSpec): Promise<EvaluationOutcome> {
    return this.lock.run(() => this.evaluator.evaluate(checkpoint, spec));
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

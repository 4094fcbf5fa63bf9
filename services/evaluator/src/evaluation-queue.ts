// POST /evaluations lands here: the request is checked at once (an unknown task is a 400), then
// evaluated in the background behind any running evaluation; its EvalEvent is published on
// cpt.evals like those of Kafka-driven evaluations.
import { randomUUID } from 'node:crypto';
import { ResultsError } from '../../../libs/results-store/src';
import type { Bus } from '../../../libs/transport/src/bus';
import type { EvaluationRequest, EvaluationTicket, EvaluationTrigger } from './api';
import { CheckpointStage } from './checkpoint-stage';
import { EvaluationOutcome } from './checkpoint-evaluator';
import { TaskCatalog, UnknownTaskError } from './task-catalog';

export type JobState = { state: 'queued' } | { state: 'done'; outcome: EvaluationOutcome } | { state: 'failed'; error: string };

export class EvaluationQueue implements EvaluationTrigger {
  private readonly jobs = new Map<string, JobState>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly stage: CheckpointStage,
    private readonly catalog: TaskCatalog,
    private readonly bus: Bus,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  async requestEvaluation(request: EvaluationRequest): Promise<EvaluationTicket> {
    if (request.tasks) {
      try {
        this.catalog.resolve(request.tasks);
      } catch (error) {
        if (error instanceof UnknownTaskError) throw ResultsError.invalid(error.message);
        throw error;
      }
    }
    const id = randomUUID();
    this.jobs.set(id, { state: 'queued' });
    const job = (async () => {
      try {
        const outcome = await this.stage.evaluateCheckpoint(request.checkpoint, { tasks: request.tasks, limit: request.limit, numFewshot: request.numFewshot });
        await this.bus.publish([this.stage.evalRecord(outcome)]);
        this.jobs.set(id, { state: 'done', outcome });
      } catch (error) {
        this.log(`evaluation ${id} of checkpoint ${request.checkpoint.id} failed: ${(error as Error).message}`);
        this.jobs.set(id, { state: 'failed', error: (error as Error).message });
      }
    })();
    this.pending.add(job);
    void job.finally(() => this.pending.delete(job));
    return { id };
  }

  status(id: string): JobState | undefined {
    return this.jobs.get(id);
  }

  /** Resolves when every accepted evaluation has finished (graceful shutdown waits for this). */
  async drain(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }
}

// POST /evaluations lands here: the request is checked at once (an unknown task, one without task
// files, or a numFewshot larger than a task's few-shot split can supply is a 400), then recorded as a job in the results database and run by the EvaluationWorker
// behind the others; its EvalEvent is published on cpt.evals like those of Kafka-driven evaluations.
// GET /evaluations/:id reads the job's row, so a job survives restarts and nothing is kept in memory.
import {
  EvaluationJobs,
  EvaluationJobView,
  ResultsError,
  type EvaluationRequest,
  type EvaluationTicket,
  type EvaluationTrigger,
} from '@cptflow/results';
import type { RequestPayload } from './checkpoint-stage';
import { TaskDataError, TaskSelectionError } from '../../eval';
import { TaskCatalog } from './task-catalog';

export class EvaluationQueue implements EvaluationTrigger {
  constructor(
    private readonly jobs: EvaluationJobs,
    private readonly catalog: TaskCatalog,
    private readonly onJobRecorded: () => void = () => undefined,
  ) {}

  async requestEvaluation(request: EvaluationRequest): Promise<EvaluationTicket> {
    try {
      const plan = request.tasks ? this.catalog.resolve(request.tasks, request.numFewshot) : this.catalog.configured(request.numFewshot);
      // A k the task files cannot supply would only fail once the job had loaded the model.
      if (request.numFewshot) await this.catalog.checkFewshotPools(plan, request.numFewshot);
    } catch (error) {
      if (error instanceof TaskSelectionError || error instanceof TaskDataError) throw ResultsError.invalid(error.message);
      throw error;
    }
    const payload: RequestPayload = { request: { checkpointId: request.checkpoint.id, tasks: request.tasks, limit: request.limit, numFewshot: request.numFewshot } };
    const job = await this.jobs.enqueue({ kind: 'request', payload });
    this.onJobRecorded();
    return { id: job.id };
  }

  async evaluation(id: string): Promise<EvaluationJobView | null> {
    return this.jobs.find(id);
  }
}

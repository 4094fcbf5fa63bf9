// Runs the evaluation jobs the checkpoint stage and the API record, one at a time, outside any Kafka
// batch. A job is leased while it runs (the lease renewed as it goes), so a job whose process was
// killed is claimed again once its lease runs out; results already stored are skipped then, so none
// is lost or doubled. A failure is retried with backoff only when it is transient (the database
// does not answer, the bus refuses the EvalEvent); anything else, or too many attempts, buries the
// job with the reason and dead-letters its event.
import type { EvaluationJobs, EvaluationJobView, ResultsService } from '@cptflow/results';
import type { Bus } from '@cptflow/platform';
import type { CheckpointStage } from './checkpoint-stage';

export interface EvaluationWorkerOptions {
  /** How long a claimed job stays ours without renewal (renewed every third of it). */
  leaseMs: number;
  /** Attempts (claims) before a job is given up; a process killed mid-evaluation counts as one. */
  maxAttempts: number;
  /** First retry delay; doubles per attempt up to maxBackoffMs. */
  retryBackoffMs: number;
  maxBackoffMs: number;
  /** How often to look for jobs recorded by other replicas or whose lease ran out. */
  pollMs: number;
  log: (message: string) => void;
}

/** Failures worth retrying: the same job may well succeed once the database or the broker is back. */
class TransientFailure extends Error {}

export class EvaluationWorker {
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;

  constructor(
    private readonly jobs: EvaluationJobs,
    private readonly results: ResultsService,
    private readonly stage: CheckpointStage,
    private readonly bus: Bus,
    private readonly options: EvaluationWorkerOptions,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** A job was recorded: look now rather than at the next poll. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Finishes the job in flight (its results and EvalEvent), then claims no more. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    let idleFailures = 0;
    while (!this.stopping) {
      let job: EvaluationJobView | null;
      try {
        job = await this.jobs.claim(this.options.leaseMs);
        idleFailures = 0;
      } catch (error) {
        this.options.log(`cannot claim evaluation jobs (retrying): ${(error as Error).message}`);
        await this.sleep(this.backoff(++idleFailures));
        continue;
      }
      if (job) await this.runJob(job);
      else await this.sleep(this.options.pollMs);
    }
  }

  private async runJob(job: EvaluationJobView): Promise<void> {
    const o = this.options;
    if (job.attempts > o.maxAttempts) {
      return this.giveUp(job, new Error(`gave up after ${o.maxAttempts} attempts; the last one ended without a result (the process stopped mid-evaluation)${job.error ? `; earlier: ${job.error}` : ''}`));
    }
    const renewal = setInterval(() => void this.jobs.renew(job.id, o.leaseMs).catch(() => undefined), Math.max(1, Math.floor(o.leaseMs / 3)));
    try {
      const result = await this.stage.runJob(job).catch(async (error: unknown) => {
        throw (await this.databaseAnswers()) ? error : new TransientFailure(`the results database does not answer: ${(error as Error).message}`);
      });
      await this.bus.publish(result.outputs).catch((error: Error) => {
        throw new TransientFailure(`publishing the EvalEvent failed: ${error.message}`);
      });
      await this.jobs.complete(job.id, result.outcome);
    } catch (error) {
      if (error instanceof TransientFailure && job.attempts < o.maxAttempts) {
        const delay = this.backoff(job.attempts);
        o.log(`evaluation job ${job.id} (attempt ${job.attempts}) failed, retrying in ${delay} ms: ${error.message}`);
        // If even this write fails, the lease runs out and the job is claimed again: retried all the same.
        await this.jobs.retry(job.id, error.message, Date.now() + delay).catch(() => undefined);
      } else {
        await this.giveUp(job, error);
      }
    } finally {
      clearInterval(renewal);
    }
  }

  /** Dead letter first, then the job row: a crash in between dead-letters again (at least once), never loses it. */
  private async giveUp(job: EvaluationJobView, error: unknown): Promise<void> {
    const reason = `${(error as Error).name}: ${(error as Error).message}`;
    this.options.log(`evaluation job ${job.id} given up: ${reason}`);
    try {
      const deadLetter = this.stage.deadLetterOf(job, error);
      if (deadLetter) await this.bus.publish([deadLetter]);
      await this.jobs.bury(job.id, reason);
    } catch (failure) {
      this.options.log(`evaluation job ${job.id}: recording its failure failed (it will be claimed again): ${(failure as Error).message}`);
    }
  }

  private async databaseAnswers(): Promise<boolean> {
    return this.results.ping().then(
      () => true,
      () => false,
    );
  }

  private backoff(attempt: number): number {
    return Math.min(this.options.maxBackoffMs, this.options.retryBackoffMs * 2 ** Math.max(0, attempt - 1));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }
}

// The evaluator without its host: results store, task catalog, checkpoint evaluator, the job stage,
// worker and queue, and the telemetry intake, wired together. A host adds the consumer of the
// checkpoint stage and the HTTP API: services/evaluator hosts it as a Nest app, `cptflow run`
// in-process next to the pipeline.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type CptflowConfig, urlWithoutCredentials, type Bus, createBus } from '@cptflow/platform';
import { DEFAULT_TELEMETRY_RETENTION, openResultsStore, type ResultsStore } from '@cptflow/results';
import { CheckpointEvaluator } from './checkpoint-evaluator';
import { CheckpointStage } from './checkpoint-stage';
import { EvaluationQueue } from './evaluation-queue';
import { EvaluationWorker } from './evaluation-worker';
import type { EvaluatorConfig } from './evaluator.config';
import { HeldoutDataError } from './heldout-text';
import { TaskCatalog } from './task-catalog';
import { TelemetryIntake } from './telemetry-intake';

export interface EvaluatorCoreOptions {
  config: CptflowConfig;
  evaluator: EvaluatorConfig;
  /** Defaults to the bus config.bus describes (in-process, or Kafka). */
  bus?: Bus;
  log?: (message: string) => void;
}

/**
 * Every configured task resolves and has its files, and every held-out set is there (no downloads,
 * ever): a misconfiguration stops the start, not the first checkpoint. Returns a line for each named
 * group scored without some of its tasks (subjects whose files are absent).
 */
function checkConfiguredData(catalog: TaskCatalog, config: EvaluatorConfig): string[] {
  const plan = catalog.resolve(config.tasks, config.numFewshot);
  for (const set of config.heldout) if (!existsSync(set.path)) throw new HeldoutDataError(`held-out set ${set.name}: ${set.path} does not exist`);
  return config.tasks.filter((name) => plan.missingInGroups[name]).map((name) => `${name}: ${plan.missingInGroups[name].length} task(s) without files, scored over the others`);
}

export class EvaluatorCore {
  private constructor(
    readonly bus: Bus,
    readonly store: ResultsStore,
    readonly catalog: TaskCatalog,
    readonly evaluator: CheckpointEvaluator,
    readonly stage: CheckpointStage,
    readonly worker: EvaluationWorker,
    readonly queue: EvaluationQueue,
    readonly telemetryIntake: TelemetryIntake,
  ) {}

  /** Opens the results store and wires the parts; nothing consumes or runs until `start`. */
  static async open(o: EvaluatorCoreOptions): Promise<EvaluatorCore> {
    const log = o.log ?? ((m: string) => console.log(`[evaluator] ${m}`));
    const catalog = TaskCatalog.create(o.evaluator);
    for (const line of checkConfiguredData(catalog, o.evaluator)) log(line);
    if (!o.evaluator.databaseUrl) mkdirSync(dirname(o.evaluator.sqlitePath), { recursive: true });
    const retention = { ...DEFAULT_TELEMETRY_RETENTION, maxStepsPerRun: o.evaluator.maxTrainingStepsPerRun };
    const store = await openResultsStore(o.evaluator.databaseUrl ? { databaseUrl: o.evaluator.databaseUrl, retention } : { sqlitePath: o.evaluator.sqlitePath, retention });
    log(`database: ${o.evaluator.databaseUrl ? `postgres (${urlWithoutCredentials(o.evaluator.databaseUrl)})` : `sqlite (${o.evaluator.sqlitePath})`}; bus ${o.config.bus.kind}`);
    try {
      const bus = o.bus ?? createBus(o.config.bus, { sessionTimeoutMs: o.evaluator.kafkaSessionTimeoutMs });
      const evaluator = new CheckpointEvaluator(store.results, catalog, o.evaluator, log);
      const wake = () => worker.wake();
      const stage = new CheckpointStage(store.results, evaluator, store.jobs, {
        groupId: o.evaluator.groupId,
        checkpointsTopic: o.config.topics.checkpoints,
        evalsTopic: o.config.topics.evals,
        deadLetterPrefix: o.config.topics.deadLetterPrefix,
        baseModelDir: o.evaluator.baseModelDir,
        onJobsRecorded: wake,
        log,
      });
      const worker: EvaluationWorker = new EvaluationWorker(store.jobs, store.results, stage, bus, { ...o.evaluator.jobs, log });
      const queue = new EvaluationQueue(store.jobs, catalog, wake);
      const telemetryIntake = new TelemetryIntake(store.telemetry, {
        groupId: o.evaluator.telemetryGroupId,
        metricsTopic: o.config.topics.trainingMetrics,
        accountingTopic: o.config.topics.stageAccounting,
        deadLetterPrefix: o.config.topics.deadLetterPrefix,
        log,
      });
      return new EvaluatorCore(bus, store, catalog, evaluator, stage, worker, queue, telemetryIntake);
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  /** Runs the jobs (those left by an earlier process resume here) and consumes the dashboard's topics. */
  async start(partitions: number): Promise<void> {
    this.worker.start();
    await this.telemetryIntake.start(this.bus, partitions);
  }

  /** Finishes the evaluation in flight (queued jobs wait in the database) and stops the telemetry consumer. */
  async stopWork(): Promise<void> {
    await this.worker.stop();
    await this.telemetryIntake.stop();
  }
}

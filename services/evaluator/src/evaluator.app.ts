// Starts and stops the whole evaluator: results store, bus, the checkpoint stage, and the HTTP app
// (results API + health/ready). main.ts calls this after telemetry; tests call it with their own
// bus and database.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { CptflowConfig } from '../../../libs/config/src';
import { openResultsStore, ResultsStore } from '../../../libs/results-store/src';
import { Readiness, startStageTransport } from '../../../libs/service-host/src';
import type { Bus } from '../../../libs/transport/src/bus';
import { createBus } from '../../../libs/transport/src/create-bus';
import { serveOpenApi } from './api';
import { CheckpointEvaluator } from './checkpoint-evaluator';
import { CheckpointStage } from './checkpoint-stage';
import { EvaluationQueue } from './evaluation-queue';
import { EvaluationWorker } from './evaluation-worker';
import type { EvaluatorConfig } from './evaluator.config';
import { EvaluatorModule } from './evaluator.module';
import { TaskCatalog } from './task-catalog';
import { TelemetryIntake } from './telemetry-intake';
import { DEFAULT_TELEMETRY_RETENTION } from '../../../libs/results-store/src';
import { urlWithoutCredentials } from '../../../libs/config/src/backends';
import { HeldoutDataError } from './heldout-text';
import { evalSplitOf, findSplitFiles } from '../../../libs/eval/src';

export interface EvaluatorAppOptions {
  config: CptflowConfig;
  evaluator: EvaluatorConfig;
  /** Defaults to the bus config.bus describes (in-process, or Kafka). */
  bus?: Bus;
  logger?: false | LogLevel[];
  log?: (message: string) => void;
}

/** Every configured task's evaluated split and every held-out set must be there (no downloads, ever). */
export function checkConfiguredData(catalog: TaskCatalog, config: EvaluatorConfig): void {
  for (const task of catalog.resolve(config.tasks).leaves) findSplitFiles(config.taskDataDir, task.dataset, evalSplitOf(task), task.requiredColumns, task.name);
  for (const set of config.heldout) if (!existsSync(set.path)) throw new HeldoutDataError(`held-out set ${set.name}: ${set.path} does not exist`);
}

export class EvaluatorApp {
  private stopping?: Promise<void>;

  private constructor(
    readonly http: INestApplication,
    readonly store: ResultsStore,
    readonly evaluator: CheckpointEvaluator,
    readonly queue: EvaluationQueue,
    readonly worker: EvaluationWorker,
    private readonly readiness: Readiness,
    private readonly telemetryIntake: TelemetryIntake,
  ) {}

  static async start(o: EvaluatorAppOptions): Promise<EvaluatorApp> {
    const log = o.log ?? ((m: string) => console.log(`[evaluator] ${m}`));
    const catalog = TaskCatalog.create({ taskDefinitionsDir: o.evaluator.taskDefinitionsDir, mmluSubjects: o.evaluator.mmluSubjects });
    checkConfiguredData(catalog, o.evaluator); // a misconfiguration stops the start, not the first checkpoint
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
      const j = o.evaluator.jobs;
      const worker: EvaluationWorker = new EvaluationWorker(store.jobs, store.results, stage, bus, { ...j, log });
      const queue = new EvaluationQueue(store.jobs, catalog, wake);
      const telemetryIntake = new TelemetryIntake(store.telemetry, {
        groupId: o.evaluator.telemetryGroupId,
        metricsTopic: o.config.topics.trainingMetrics,
        accountingTopic: o.config.topics.stageAccounting,
        deadLetterPrefix: o.config.topics.deadLetterPrefix,
        log,
      });
      const readiness = new Readiness();
      const http = await NestFactory.create(
        EvaluatorModule.register({ config: o.config, bus, stage: stage.asStage(), results: store.results, telemetry: store.telemetry, dashboardPollMs: o.evaluator.dashboardPollMs, trigger: queue, apiTokens: o.evaluator.apiTokens, readiness }),
        { logger: o.logger ?? ['error', 'warn', 'log'] },
      );
      serveOpenApi(http);
      await startStageTransport(http);
      await http.listen(o.config.http.port, o.config.http.host);
      worker.start(); // jobs left by an earlier process (queued, or leased by one that died) resume here
      await telemetryIntake.start(bus, o.config.bus.partitions);
      return new EvaluatorApp(http, store, evaluator, queue, worker, readiness, telemetryIntake);
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  /** http://host:port the app listens on. */
  get url(): string {
    const address = this.http.getHttpServer().address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  /** Graceful: report not ready, finish the evaluation in flight (queued jobs wait in the database), then close. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.readiness.markDraining();
      await this.worker.stop();
      await this.telemetryIntake.stop();
      await this.http.close(); // the stage runner stops the bus transport (in-flight batch commits) and closes the bus
      await this.store.close();
    })();
    return this.stopping;
  }
}

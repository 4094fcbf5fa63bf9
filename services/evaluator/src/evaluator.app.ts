// Starts and stops the whole evaluator: results store, bus, the checkpoint stage, and the HTTP app
// (results API + health/ready). main.ts calls this after telemetry; tests call it with their own
// bus and database.
import type { AddressInfo } from 'node:net';
import type { INestApplication, LogLevel } from '@nestjs/common';
import type { CptflowConfig, Bus } from '@cptflow/platform';
import { CheckpointEvaluator, EvaluationQueue, EvaluationWorker, EvaluatorConfig, EvaluatorCore } from '@cptflow/evaluation';
import type { ResultsStore } from '@cptflow/results';
import { createHttpApp, Readiness, serveOpenApi, startStageTransport } from '@cptflow/nest-host';
import { EvaluatorModule } from './evaluator.module';

export interface EvaluatorAppOptions {
  config: CptflowConfig;
  evaluator: EvaluatorConfig;
  /** Defaults to the bus config.bus describes (in-process, or Kafka). */
  bus?: Bus;
  logger?: false | LogLevel[];
  log?: (message: string) => void;
}

export class EvaluatorApp {
  private stopping?: Promise<void>;

  private constructor(
    readonly http: INestApplication,
    private readonly core: EvaluatorCore,
    private readonly readiness: Readiness,
  ) {}

  get store(): ResultsStore {
    return this.core.store;
  }

  get evaluator(): CheckpointEvaluator {
    return this.core.evaluator;
  }

  get queue(): EvaluationQueue {
    return this.core.queue;
  }

  get worker(): EvaluationWorker {
    return this.core.worker;
  }

  static async start(o: EvaluatorAppOptions): Promise<EvaluatorApp> {
    const core = await EvaluatorCore.open(o); // a misconfiguration stops the start, not the first checkpoint
    try {
      const { bus, store, stage, queue } = core;
      const readiness = new Readiness();
      const http = await createHttpApp(
        EvaluatorModule.register({ config: o.config, bus, stage: stage.asStage(), results: store.results, telemetry: store.telemetry, dashboardPollMs: o.evaluator.dashboardPollMs, trigger: queue, apiTokens: o.evaluator.apiTokens, readiness }),
        { logger: o.logger ?? ['error', 'warn', 'log'] },
      );
      serveOpenApi(http);
      await startStageTransport(http);
      await http.listen(o.config.http.port, o.config.http.host);
      await core.start(o.config.bus.partitions); // jobs left by an earlier process (queued, or leased by one that died) resume here
      return new EvaluatorApp(http, core, readiness);
    } catch (error) {
      await core.store.close();
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
      await this.core.stopWork();
      await this.http.close(); // the stage runner stops the bus transport (in-flight batch commits) and closes the bus
      await this.store.close();
    })();
    return this.stopping;
  }
}

// One call to get a ready results store: database opened, migrations applied, services wired.
import type { DataSource } from 'typeorm';
import { openResultsDatabase, type ResultsDatabaseOptions } from './database/data-source';
import { EvaluationJobs } from './database/evaluation-jobs.repository';
import { TypeormResultsRepository } from './database/typeorm-results.repository';
import { TypeormTelemetryRepository } from './database/typeorm-telemetry.repository';
import { writeInTurn } from './database/write-turns';
import type { TelemetryRetention } from './domain/telemetry';
import { ResultsService } from './results-service';
import { TelemetryService } from './telemetry-service';

export interface ResultsStore {
  results: ResultsService;
  /** Training curves and stage accounting (the dashboard). */
  telemetry: TelemetryService;
  /** The evaluator's durable queue of evaluations. */
  jobs: EvaluationJobs;
  dataSource: DataSource;
  close(): Promise<void>;
}

export async function openResultsStore(options: ResultsDatabaseOptions & { retention?: TelemetryRetention } = {}): Promise<ResultsStore> {
  const dataSource = await openResultsDatabase(options);
  const resultsRepository = new TypeormResultsRepository(dataSource);
  return {
    results: new ResultsService(resultsRepository),
    telemetry: new TelemetryService(new TypeormTelemetryRepository(dataSource, (work) => writeInTurn(dataSource, work)), options.retention),
    jobs: new EvaluationJobs(dataSource),
    dataSource,
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

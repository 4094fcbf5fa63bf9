// One call to get a ready results store: database opened, migrations applied, service wired.
import type { DataSource } from 'typeorm';
import { openResultsDatabase, type ResultsDatabaseOptions } from './database/data-source';
import { EvaluationJobs } from './database/evaluation-jobs.repository';
import { TypeormResultsRepository } from './database/typeorm-results.repository';
import { ResultsService } from './results-service';

export interface ResultsStore {
  results: ResultsService;
  /** The evaluator's durable queue of evaluations. */
  jobs: EvaluationJobs;
  dataSource: DataSource;
  close(): Promise<void>;
}

export async function openResultsStore(options: ResultsDatabaseOptions = {}): Promise<ResultsStore> {
  const dataSource = await openResultsDatabase(options);
  return {
    results: new ResultsService(new TypeormResultsRepository(dataSource)),
    jobs: new EvaluationJobs(dataSource),
    dataSource,
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

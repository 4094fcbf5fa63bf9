// What the results logic needs from storage. The TypeORM implementation lives in ../database; this
// interface keeps the decisions (validation, comparisons, base lookup) independent of the database.
import type { PageRequest } from './pagination';
import type {
  CheckpointRecord,
  CheckpointView,
  Page,
  RunView,
  SampleView,
  TaskResultRecord,
  TaskResultView,
  TrendPoint,
} from './types';

export interface ResultsRepository {
  /** Inserts the checkpoint (and its run) or, when (run, step) exists, updates it in place. */
  upsertCheckpoint(record: CheckpointRecord): Promise<CheckpointView>;
  /**
   * Inserts or replaces results keyed by (checkpoint, task, metric), in one transaction. A record that
   * carries samples replaces that result's stored samples; one without leaves them as they are.
   */
  saveTaskResults(checkpointId: number, records: TaskResultRecord[]): Promise<TaskResultView[]>;

  listRuns(page: PageRequest): Promise<Page<RunView>>;
  runExists(run: string): Promise<boolean>;
  listCheckpoints(run: string, page: PageRequest): Promise<Page<CheckpointView>>;
  findCheckpoint(id: number): Promise<CheckpointView | null>;
  findCheckpointByStep(run: string, step: number): Promise<CheckpointView | null>;
  /** The run's base checkpoint (the lowest step marked is_base), if it has one. */
  findBaseCheckpoint(run: string): Promise<CheckpointView | null>;
  resultsOf(checkpointId: number): Promise<TaskResultView[]>;
  samplesOf(checkpointId: number, task: string, metric: string, page: PageRequest): Promise<Page<SampleView> | null>;
  /** The (task, metric) score of every checkpoint of the run that has one, by tokens seen then step. */
  trend(run: string, task: string, metric: string): Promise<TrendPoint[]>;
  /** Throws when the database cannot answer (health checks). */
  ping(): Promise<void>;
}

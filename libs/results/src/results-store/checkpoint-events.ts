// Between the Kafka contracts and the results store: a CheckpointEvent becomes the record that is
// upserted, and stored results become the EvalEvent the evaluator publishes on cpt.evals.
import type { CheckpointEvent, EvalEvent } from '@cptflow/platform';
import { ResultsError } from './domain/errors';
import type { CheckpointRecord, CheckpointView, TaskResultView } from './domain/types';

export function checkpointRecordFromEvent(event: CheckpointEvent): CheckpointRecord {
  if (!event.run) throw ResultsError.invalid('checkpoint event: run is empty');
  if (!event.path) throw ResultsError.invalid(`checkpoint event ${event.run}@${event.step ?? 0}: path is empty`);
  return {
    run: event.run,
    step: Number(event.step ?? 0),
    tokensSeen: Number(event.tokensSeen ?? 0),
    path: event.path,
    // proto3 has no null: an empty string / zero means "not given".
    hfPath: event.hfPath ? event.hfPath : null,
    loss: event.loss ? event.loss : null,
    isBase: event.isBase ?? false,
    createdAtMs: event.createdAtMs ? Number(event.createdAtMs) : undefined,
  };
}

export function evalEventFromResults(checkpoint: CheckpointView, results: TaskResultView[]): EvalEvent {
  return {
    run: checkpoint.run,
    step: checkpoint.step,
    tokensSeen: checkpoint.tokensSeen,
    // proto3 doubles have no null either; a missing stderr travels as NaN, which no real stderr is.
    scores: results.map((r) => ({ task: r.task, metric: r.metric, value: r.value, stderr: r.stderr ?? Number.NaN, n: r.n })),
  };
}

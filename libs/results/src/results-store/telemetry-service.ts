// The dashboard's data that is not results: training curves and stage accounting, validated and
// kept bounded (retention) on the way in.
import { ResultsError } from './domain/errors';
import { checkRunName } from './domain/records';
import {
  byPipelineOrder,
  checkStageAccounting,
  checkTrainingStep,
  DEFAULT_TELEMETRY_RETENTION,
  stageTotals,
  type StageAccountingRecord,
  type StageTotals,
  type TelemetryRetention,
  thinningStride,
  type TrainingCurve,
  type TrainingStepRecord,
} from './domain/telemetry';
import type { TypeormTelemetryRepository } from './database/typeorm-telemetry.repository';

export class TelemetryService {
  constructor(
    private readonly repository: TypeormTelemetryRepository,
    private readonly retention: TelemetryRetention = DEFAULT_TELEMETRY_RETENTION,
  ) {}

  /** Idempotent by (run, step); thins each run's curve to `maxStepsPerRun` points. */
  async recordSteps(records: TrainingStepRecord[]): Promise<void> {
    if (records.length === 0) return;
    records.forEach(checkTrainingStep);
    const max = this.retention.maxStepsPerRun;
    await this.repository.saveSteps(records, async (run, manager) => {
      const stride = await thinningStride(max, (s) => this.repository.countSteps(manager, run, s));
      if (stride > 1) await this.repository.deleteStepsOffStride(manager, run, stride);
    });
  }

  /** A run's curve by step; 404 when nothing was recorded for it. */
  async trainingCurve(run: string): Promise<TrainingCurve> {
    checkRunName(run);
    const points = await this.repository.steps(run);
    if (points.length === 0) throw ResultsError.notFound(`run ${run} has no training metrics`);
    return { run, points };
  }

  /** The run's curve, or no points (a run evaluated from outside, without a trainer on this bus). */
  async trainingCurveOrEmpty(run: string): Promise<TrainingCurve> {
    checkRunName(run);
    return { run, points: await this.repository.steps(run) };
  }

  runsWithMetrics(): Promise<string[]> {
    return this.repository.runsWithSteps();
  }

  /** Keeps the newest report per (stage, process); processes silent too long are forgotten. */
  async recordAccounting(records: StageAccountingRecord[], nowMs = Date.now()): Promise<void> {
    if (records.length === 0) return;
    records.forEach(checkStageAccounting);
    await this.repository.saveAccounting(records, nowMs - this.retention.accountingMaxAgeMs);
  }

  /** Totals per stage, in pipeline order (ingest first). */
  async accounting(): Promise<StageTotals[]> {
    const byStage = new Map<string, StageAccountingRecord[]>();
    for (const row of await this.repository.accounting()) byStage.set(row.stage, [...(byStage.get(row.stage) ?? []), row]);
    return [...byStage.keys()].sort(byPipelineOrder).map((stage) => stageTotals(stage, byStage.get(stage)!));
  }
}

// The evaluator's second consumer: the trainer's step metrics and the stages' accounting, stored
// beside the results for the dashboard. A record that does not decode or check out is dead-lettered
// with its reason; a database error fails the batch, which is delivered again.
import {
  codecFor,
  ContractError,
  StageAccounting,
  TrainingMetrics,
  type Bus,
  type ConsumedBatch,
  type ConsumedRecord,
  type OutgoingRecord,
  type Subscription,
  deadLetterFor,
} from '@cptflow/platform';
import {
  checkStageAccounting,
  checkTrainingStep,
  ResultsError,
  type StageAccountingRecord,
  type TelemetryService,
  type TrainingStepRecord,
} from '@cptflow/results';
import { STAGE_NAME } from './checkpoint-stage';

const metricsCodec = codecFor<TrainingMetrics>(TrainingMetrics);
const accountingCodec = codecFor<StageAccounting>(StageAccounting);

export interface TelemetryIntakeOptions {
  /** Its own consumer group, so the checkpoint consumer's slow evaluations never hold it up. */
  groupId: string;
  metricsTopic: string;
  accountingTopic: string;
  deadLetterPrefix: string;
  log?: (message: string) => void;
}

/** proto3 has no null: a non-finite measurement is stored as "not measured". */
const finite = (x: number | null | undefined) => (x !== null && x !== undefined && Number.isFinite(x) ? x : null);

export function stepRecords(message: TrainingMetrics): TrainingStepRecord[] {
  const run = message.run ?? '';
  const steps = (message.steps ?? []).map((s) => ({
    run,
    step: Number(s.step ?? 0),
    tokensSeen: Number(s.tokensSeen ?? 0),
    loss: finite(s.loss),
    lr: finite(s.lr),
    gradNorm: finite(s.gradNorm),
    tokensPerSecond: finite(s.tokensPerSecond),
    atMs: Number(s.atMs ?? 0),
  }));
  if (steps.length === 0) throw ResultsError.invalid(`training metrics of run ${JSON.stringify(run)} carry no steps`);
  steps.forEach(checkTrainingStep);
  return steps;
}

export function accountingRecord(message: StageAccounting): StageAccountingRecord {
  const record: StageAccountingRecord = {
    stage: message.stage ?? '',
    instance: message.instance ?? '',
    atMs: Number(message.atMs ?? 0),
    recordsIn: Number(message.recordsIn ?? 0),
    recordsOut: Number(message.recordsOut ?? 0),
    rejected: Number(message.rejected ?? 0),
    rejectedByRule: Object.fromEntries(Object.entries(message.rejectedByRule ?? {}).map(([rule, n]) => [rule, Number(n)])),
    duplicates: Number(message.duplicates ?? 0),
    deadLetters: Number(message.deadLetters ?? 0),
    lag: message.lag === undefined || message.lag === null || Number(message.lag) < 0 ? null : Number(message.lag),
  };
  checkStageAccounting(record);
  return record;
}

export class TelemetryIntake {
  private subscription?: Subscription;

  constructor(
    private readonly telemetry: TelemetryService,
    private readonly options: TelemetryIntakeOptions,
  ) {}

  async start(bus: Bus, partitions?: number): Promise<void> {
    const topics = [this.options.metricsTopic, this.options.accountingTopic];
    await bus.ensureTopics(topics, partitions);
    this.subscription = await bus.consume({ groupId: this.options.groupId, topics, handler: (batch) => this.handle(batch) });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  async handle(batch: ConsumedBatch): Promise<OutgoingRecord[]> {
    const steps: TrainingStepRecord[] = [];
    const accounting: StageAccountingRecord[] = [];
    const deadLetters: OutgoingRecord[] = [];
    for (const record of batch.records) {
      try {
        if (record.topic === this.options.metricsTopic) steps.push(...stepRecords(metricsCodec.decode(record.value)));
        else accounting.push(accountingRecord(accountingCodec.decode(record.value)));
      } catch (error) {
        if (!(error instanceof ContractError || (error instanceof ResultsError && error.kind === 'invalid'))) throw error;
        deadLetters.push(this.deadLetter(record, error));
      }
    }
    await this.telemetry.recordSteps(steps);
    await this.telemetry.recordAccounting(accounting);
    return deadLetters;
  }

  private deadLetter(record: ConsumedRecord, error: Error): OutgoingRecord {
    this.options.log?.(`telemetry record ${record.topic}[${record.partition}]@${record.offset} dead-lettered: ${error.message}`);
    return deadLetterFor(STAGE_NAME, record, error, { prefix: this.options.deadLetterPrefix });
  }
}

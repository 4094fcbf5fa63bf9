// The continuous trainer: packed sequences from the bus in, checkpoints and checkpoint events out.
// The loop reads like the algorithm:
//   assemble one optimizer step (micro-batches of domain rows, replay rows mixed in at a fixed
//     fraction; refused records dead-lettered) -> note the consumed offsets
//   run it in the training engine (forward/backward per micro-batch, one AdamW update)
//   advance the schedule; checkpoint every N tokens or M minutes, and on shutdown.
// Exactly once: a checkpoint records the offsets snapshot taken when its last step was assembled,
// so the offsets and the parameters describe the same sequences; a restart loads the newest
// complete checkpoint and reads on from those offsets.
import { inSpan, CheckpointEvent, codecFor, Bus, ConfigError, deadLetterFor, PartitionOffset } from '@cptflow/platform';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  applyRetention,
  CheckpointEntry,
  findLatestCheckpoint,
  KafkaOffset,
  restoreStateStore,
  saveCheckpoint,
  ShardedStateStore,
} from '../checkpoint';
import {
  AdamWHyperparameters,
  DecayPolicy,
  parameterShapes,
  TokenBatch,
  LlamaConfig,
  toHfConfigJson,
} from '@cptflow/model';
import type { SessionOptions } from '@cptflow/onnx';
import type { RngState } from '@cptflow/pycompat';
import { advance, currentLr, initialScheduleState, parseScheduleState, Schedule, ScheduleState, startDecay } from '../schedules';
import { onnxEngine } from './engine';
import { Engine, EngineFactory, EngineState } from './engine-protocol';
import { HF_EXPORT_DIR, loadStartingModel, ModelStart, readHfExport, writeHfExport } from './model-files';
import { RecordQueue } from './record-queue';
import { isReplayRow, LocalReplayCorpus } from './replay';
import { momentName, stateMismatch, stateShards, varianceName } from './state-layout';
import type { TrainerStatus } from './status';
import { TrainerMetrics } from './trainer-metrics';
import { StepMetricsPublisher } from './step-metrics-publisher';
import { microBatchOf, rowFromRecord, SequenceRejected, TrainingRow } from './training-rows';

const checkpointEventCodec = codecFor<CheckpointEvent>(CheckpointEvent);
export const TRAINER_STAGE = 'trainer';

export type ReplaySource = { kind: 'topic'; topic: string } | { kind: 'corpus'; rows: TrainingRow[]; seed: number };

export interface ContinuousTrainerOptions {
  /** Names the run in checkpoint events and metrics. */
  run: string;
  bus: Bus;
  /** `metrics`: where per-step metrics go in batches (the dashboard); none are published without it. */
  topics: { sequences: string; checkpoints: string; deadLetterPrefix?: string; metrics?: string };
  model: ModelStart;
  /** tokenizer.json the model was trained with; its sha256 must match every sequence's tokenizer_id. */
  tokenizer: { path: string; id: string };
  /** Rows per micro-batch and tokens per row. */
  batchRows: number;
  seqLen: number;
  /** Tokens per optimizer step; a multiple of batchRows x seqLen (the rest is gradient accumulation). */
  tokensPerStep: number;
  adamw: AdamWHyperparameters;
  maxGradNorm?: number;
  decay?: DecayPolicy;
  recomputeLayers?: boolean;
  schedule: Schedule;
  replay?: { fraction: number; source: ReplaySource };
  checkpoint: {
    dir: string;
    everyTokens?: number;
    everyMinutes?: number;
    keepLast: number;
    keepEvery?: number;
    maxShardBytes: number;
    memoryBudgetBytes: number;
    /** Offload files of the state store (default `<dir>/.offload`). */
    offloadDir?: string;
  };
  session?: SessionOptions;
  /** Which engine runs the steps (default: ONNX Runtime in a worker thread). */
  engine?: EngineFactory;
  /** Records a topic may buffer ahead of training. */
  highWaterRecords?: number;
  /** Progress lines for humans; silent when omitted. */
  log?: (line: string) => void;
  /** Test hook: awaited at named points of a checkpoint (to be killed there). */
  checkpointHook?: (point: 'state-written' | 'committed' | 'exported') => Promise<void>;
}

/** Progress a step leaves behind; a checkpoint stores the last completed one. */
interface Progress {
  step: number;
  tokensSeen: number;
  rowsTrained: number;
  replayRows: number;
  schedule: ScheduleState;
  replayRng: RngState | null;
  offsets: PartitionOffset[];
  loss: number | null;
}

interface AssembledStep {
  microBatches: TokenBatch[];
  rows: number;
  replayRows: number;
  offsets: PartitionOffset[];
  replayRng: RngState | null;
}

export class ContinuousTrainer {
  private engine: Engine | null = null;
  private store: ShardedStateStore | null = null;
  private queue: RecordQueue | null = null;
  private replayCorpus: LocalReplayCorpus | null = null;
  private progress!: Progress;
  private checkpointed: { step: number; tokensSeen: number; atMs: number } = { step: 0, tokensSeen: 0, atMs: Date.now() };
  private configJson: Record<string, unknown> = {};
  private config!: LlamaConfig;
  private stopRequested = false;
  private loop: Promise<void> | null = null;
  private metrics: TrainerMetrics | null = null;
  private stepMetrics: StepMetricsPublisher | null = null;
  /** Time the current step's assembly spent waiting for records (excluded from tokens/s). */
  private waitedMs = 0;
  readonly status: TrainerStatus;

  constructor(private readonly options: ContinuousTrainerOptions) {
    const perMicroBatch = options.batchRows * options.seqLen;
    if (!(options.tokensPerStep > 0) || options.tokensPerStep % perMicroBatch !== 0) {
      throw new Error(`tokensPerStep (${options.tokensPerStep}) must be a positive multiple of batchRows x seqLen (${perMicroBatch})`);
    }
    const fraction = options.replay?.fraction ?? 0;
    if (fraction < 0 || fraction >= 1) throw new Error(`replay fraction must be in [0, 1), got ${fraction}`);
    this.status = {
      run: options.run,
      phase: 'starting',
      step: 0,
      tokensSeen: 0,
      replayRows: 0,
      domainRows: 0,
      loss: null,
      lr: null,
      gradNorm: null,
      tokensPerSecond: null,
      stepSeconds: null,
      engineSeconds: null,
      decayStartStep: null,
      bufferedRecords: 0,
      deadLetters: 0,
      lastCheckpoint: null,
      resumedFrom: null,
      error: null,
    };
  }

  /** Load the newest complete checkpoint (or the starting model), start the engine and the reader, and begin training. */
  async start(): Promise<void> {
    const o = this.options;
    await mkdir(o.checkpoint.dir, { recursive: true });
    // Damaged checkpoints are moved aside (with the reason) so that reaching their step again saves
    // a fresh checkpoint there instead of failing on, or trusting, the damaged directory.
    const skipped: Array<{ dir: string; reason: string; movedTo?: string }> = [];
    const latest = await findLatestCheckpoint(o.checkpoint.dir, { skipped, setAsideDamaged: true });
    for (const s of skipped) this.log(s.movedTo ? `moved damaged ${s.dir} aside to ${s.movedTo}: ${s.reason}` : `ignoring ${s.dir}: ${s.reason}`);
    const offloadDir = o.checkpoint.offloadDir ?? join(o.checkpoint.dir, '.offload');
    const storeOptions = { offloadDir, memoryBudgetBytes: o.checkpoint.memoryBudgetBytes };

    let engineState: EngineState;
    const starting = await loadStartingModel(o.model);
    this.config = starting.config;
    this.configJson = o.model.kind === 'base' ? starting.configJson : toHfConfigJson(starting.config);
    if (latest) {
      // Another model's checkpoint directory is a setting to fix, never state to load or to set aside.
      const mismatch = stateMismatch(latest.manifest, starting.config);
      if (mismatch) throw new ConfigError(`${latest.dir} is a checkpoint of another model (${mismatch}); give this model a checkpoint directory of its own, or the model it was trained from`);
      this.progress = this.progressFromCheckpoint(latest);
      this.store = await restoreStateStore(latest, storeOptions);
      engineState = await this.readEngineState(this.progress.step);
      this.checkpointed = { step: latest.manifest.step, tokensSeen: latest.manifest.tokensSeen, atMs: Date.now() };
      this.status.resumedFrom = latest.dir;
      this.status.lastCheckpoint = this.summaryOf(latest.dir, latest.manifest.step, latest.manifest.tokensSeen, latest.manifest.createdAt);
      this.log(`resuming from ${latest.dir} (step ${latest.manifest.step}, ${latest.manifest.tokensSeen} tokens)`);
    } else {
      this.progress = {
        step: 0,
        tokensSeen: 0,
        rowsTrained: 0,
        replayRows: 0,
        schedule: initialScheduleState(o.schedule),
        replayRng: null,
        offsets: [],
        loss: null,
      };
      this.store = await ShardedStateStore.create({ shards: stateShards(starting.config, o.checkpoint.maxShardBytes), ...storeOptions });
      engineState = { step: 0, params: Object.fromEntries(starting.params) };
      this.log(o.model.kind === 'base' ? `starting from ${o.model.dir}` : `starting from random weights (seed ${o.model.seed})`);
    }
    this.status.step = this.progress.step;
    this.status.decayStartStep = this.progress.schedule.decayStartStep;
    this.status.tokensSeen = this.progress.tokensSeen;
    this.status.replayRows = this.progress.replayRows;
    this.status.domainRows = this.progress.rowsTrained - this.progress.replayRows;

    if (o.replay?.source.kind === 'corpus') this.replayCorpus = new LocalReplayCorpus(o.replay.source.rows, o.replay.source.seed, this.progress.replayRng);
    this.engine = await (o.engine ?? onnxEngine)(
      starting.config,
      {
        batch: o.batchRows,
        seq: o.seqLen,
        documentMask: true,
        recomputeLayers: o.recomputeLayers ?? false,
        adamw: o.adamw,
        decay: o.decay,
        maxGradNorm: o.maxGradNorm,
        session: o.session,
      },
      engineState,
    );
    // A checkpoint committed just before a crash may lack its export and event, or have a damaged
    // export: finish them now (consumers of checkpoint events are idempotent per checkpoint).
    if (latest && !(await readHfExport(latest.dir))) await this.finishCheckpoint(latest.dir, latest.manifest.step, latest.manifest.tokensSeen, latest.manifest.createdAt);

    // A fresh run from a base model announces it once, so the evaluator scores the reference the
    // run's checkpoints are compared with.
    if (!latest && o.model.kind === 'base') {
      const base: CheckpointEvent = { run: o.run, step: 0, tokensSeen: 0, path: o.model.dir, hfPath: o.model.dir, loss: 0, createdAtMs: Date.now(), isBase: true };
      await o.bus.ensureTopics([o.topics.checkpoints]);
      await o.bus.publish([{ topic: o.topics.checkpoints, key: o.run, value: checkpointEventCodec.encode(base) }]);
    }
    const topics = [o.topics.sequences, ...(o.replay?.source.kind === 'topic' ? [o.replay.source.topic] : [])];
    await o.bus.ensureTopics([...topics, o.topics.checkpoints]);
    this.queue = new RecordQueue({ topics, startOffsets: this.progress.offsets, highWaterRecords: o.highWaterRecords ?? 4 * (o.tokensPerStep / o.seqLen) });
    await this.queue.start(o.bus);
    this.metrics = new TrainerMetrics(() => this.status, o.run);
    if (o.topics.metrics) {
      this.stepMetrics = new StepMetricsPublisher({ bus: o.bus, topic: o.topics.metrics, run: o.run, log: (line) => this.log(line) });
      await this.stepMetrics.start();
    }
    this.status.phase = 'training';
    this.loop = this.trainLoop().catch((err: Error) => this.fail(err));
  }

  /**
   * Finish the step in flight, checkpoint, and release everything. A trainer that failed (before or
   * during the stop) stays `failed` with its error, and saves nothing more.
   */
  async stop(): Promise<void> {
    if (this.stopRequested) return this.loop ?? undefined;
    this.stopRequested = true;
    if (!this.failed) this.status.phase = 'stopping';
    await this.queue?.close();
    await this.loop;
    try {
      if (!this.failed && this.progress && this.progress.step !== this.checkpointed.step) await this.checkpoint();
    } catch (err) {
      this.fail(err as Error);
    } finally {
      await this.stepMetrics?.stop();
      await this.engine?.close();
      await this.store?.close();
    }
    if (!this.failed) this.status.phase = 'stopped';
  }

  private get failed(): boolean {
    return this.status.phase === 'failed';
  }

  private fail(err: Error): void {
    this.status.phase = 'failed';
    this.status.error = err.message;
    this.log(`training stopped by an error: ${err.stack ?? err.message}`);
  }

  /**
   * Begin the decay phase of an open-ended WSD schedule (e.g. before a release); it takes effect
   * from the next step and is kept in the checkpoints. Throws for other schedules.
   */
  startDecay(): void {
    this.progress = { ...this.progress, schedule: startDecay(this.progress.schedule) };
    this.status.decayStartStep = this.progress.schedule.decayStartStep;
  }

  /** Resolves when the loop ends (after stop(), or on a failure). */
  done(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  private async trainLoop(): Promise<void> {
    const o = this.options;
    while (!this.stopRequested) {
      const assemblyStarted = performance.now();
      const assembled = await this.assembleStep();
      if (!assembled) break;
      const lr = currentLr(this.progress.schedule);
      const started = performance.now();
      const result = await this.engine!.step(assembled.microBatches, lr);
      const seconds = (performance.now() - started) / 1000;
      // Waiting for data is not the trainer's cost; assembly from buffered records is.
      const waited = this.waitedMs;
      this.waitedMs = 0;
      const stepSeconds = (performance.now() - assemblyStarted - waited) / 1000;
      const tokens = assembled.rows * o.seqLen;
      this.progress = {
        step: this.progress.step + 1,
        tokensSeen: this.progress.tokensSeen + tokens,
        rowsTrained: this.progress.rowsTrained + assembled.rows,
        replayRows: this.progress.replayRows + assembled.replayRows,
        schedule: advance(this.progress.schedule),
        replayRng: assembled.replayRng,
        offsets: assembled.offsets,
        loss: result.loss,
      };
      Object.assign(this.status, {
        step: this.progress.step,
        tokensSeen: this.progress.tokensSeen,
        replayRows: this.progress.replayRows,
        domainRows: this.progress.rowsTrained - this.progress.replayRows,
        loss: result.loss,
        lr,
        gradNorm: result.gradNorm,
        tokensPerSecond: tokens / stepSeconds,
        stepSeconds,
        engineSeconds: result.computeMs / 1000,
        bufferedRecords: this.queue!.buffered(o.topics.sequences),
      });
      this.metrics?.stepDone(tokens);
      this.stepMetrics?.add({
        step: this.progress.step,
        tokensSeen: this.progress.tokensSeen,
        loss: result.loss,
        lr,
        gradNorm: result.gradNorm,
        tokensPerSecond: tokens / stepSeconds,
        atMs: Date.now(),
      });
      this.log(
        `step ${this.progress.step}  tokens ${this.progress.tokensSeen}  loss ${result.loss.toFixed(4)}  lr ${lr.toExponential(2)}  ` +
          `grad-norm ${result.gradNorm.toFixed(3)}  ${Math.round(tokens / stepSeconds)} tok/s (engine ${seconds.toFixed(2)} s)  buffered ${this.status.bufferedRecords}`,
      );
      if (this.checkpointDue()) await this.checkpoint();
    }
  }

  /** The rows of one optimizer step, or null when stopped before it was complete (its records stay unconsumed). */
  private async assembleStep(): Promise<AssembledStep | null> {
    const o = this.options;
    const microBatches: TokenBatch[] = [];
    const perStep = o.tokensPerStep / (o.batchRows * o.seqLen);
    let rowIndex = this.progress.rowsTrained;
    let replayRows = 0;
    for (let m = 0; m < perStep; m++) {
      const rows: TrainingRow[] = [];
      while (rows.length < o.batchRows) {
        const replay = isReplayRow(rowIndex, o.replay?.fraction ?? 0);
        const row = replay ? await this.nextReplayRow() : await this.nextDomainRow();
        if (!row) return null;
        rows.push(row);
        rowIndex++;
        if (replay) replayRows++;
      }
      microBatches.push(microBatchOf(rows));
    }
    return { microBatches, rows: rowIndex - this.progress.rowsTrained, replayRows, offsets: this.queue!.positions(), replayRng: this.replayCorpus?.state() ?? null };
  }

  private async nextDomainRow(): Promise<TrainingRow | null> {
    return this.nextRowFromTopic(this.options.topics.sequences);
  }

  private async nextReplayRow(): Promise<TrainingRow | null> {
    const source = this.options.replay!.source;
    if (source.kind === 'corpus') return this.replayCorpus!.next();
    return this.nextRowFromTopic(source.topic);
  }

  private async nextRowFromTopic(topic: string): Promise<TrainingRow | null> {
    const o = this.options;
    for (;;) {
      while (this.queue!.buffered(topic) === 0 && !this.stopRequested) {
        this.status.phase = 'waiting-for-data';
        // The stream paused: steps trained since the last checkpoint are saved once `everyMinutes`
        // has passed, without waiting for the next step (the engine is idle, the partial step is not in it).
        const everyMs = (o.checkpoint.everyMinutes ?? Infinity) * 60_000;
        const unsaved = this.progress.step !== this.checkpointed.step;
        const remaining = this.checkpointed.atMs + everyMs - Date.now();
        if (unsaved && remaining <= 0) {
          await this.checkpoint();
          continue;
        }
        const waitStarted = performance.now();
        await this.queue!.waitForData(topic, unsaved && Number.isFinite(remaining) ? remaining : undefined);
        this.waitedMs += performance.now() - waitStarted;
      }
      const record = await this.queue!.take(topic);
      if (!record) return null;
      if (this.status.phase === 'waiting-for-data') this.status.phase = 'training';
      try {
        return rowFromRecord(record.value, { tokenizerId: o.tokenizer.id, vocabSize: this.config.vocabSize, seqLen: o.seqLen });
      } catch (err) {
        if (!(err instanceof SequenceRejected)) throw err;
        // Published at once (at least once): a crash before the next checkpoint re-reads and re-refuses the record.
        await o.bus.publish([deadLetterFor(TRAINER_STAGE, record, err, { prefix: o.topics.deadLetterPrefix })]);
        this.status.deadLetters++;
        this.metrics?.deadLetter();
        this.log(`dead-lettered ${record.topic}[${record.partition}]@${record.offset}: ${err.message}`);
      }
    }
  }

  private checkpointDue(): boolean {
    const c = this.options.checkpoint;
    if (c.everyTokens && this.progress.tokensSeen - this.checkpointed.tokensSeen >= c.everyTokens) return true;
    if (c.everyMinutes && Date.now() - this.checkpointed.atMs >= c.everyMinutes * 60_000) return true;
    return false;
  }

  /** State -> sharded store -> checkpoint directory (atomic) -> HF export -> event -> retention. */
  private async checkpoint(): Promise<void> {
    // One span per checkpoint, carrying which checkpoint it is; the checkpoint event is published
    // inside it, so the evaluator's spans for this checkpoint join the same trace.
    const p = this.progress;
    const attributes = { 'cptflow.run': this.options.run, 'cptflow.checkpoint.step': p.step, 'cptflow.checkpoint.tokens_seen': p.tokensSeen };
    await inSpan('cptflow-trainer', 'checkpoint', { attributes }, () => this.writeCheckpoint());
  }

  private async writeCheckpoint(): Promise<void> {
    const o = this.options;
    const started = performance.now();
    const previousPhase = this.status.phase;
    this.status.phase = 'checkpointing';
    const snapshot = await this.engine!.snapshot();
    if (snapshot.step !== this.progress.step) throw new Error(`engine is at step ${snapshot.step}, progress at ${this.progress.step}`);
    for (const [name, data] of Object.entries(snapshot.params)) await this.store!.writeTensor(name, data);
    for (const [name, data] of Object.entries(snapshot.expAvg)) await this.store!.writeTensor(momentName(name), data);
    for (const [name, data] of Object.entries(snapshot.expAvgSq)) await this.store!.writeTensor(varianceName(name), data);
    await o.checkpointHook?.('state-written');
    const p = this.progress;
    const kafkaOffsets: KafkaOffset[] = p.offsets.map((x) => ({ topic: x.topic, partition: x.partition, offset: x.offset }));
    const saved = await saveCheckpoint(o.checkpoint.dir, this.store!, {
      step: p.step,
      tokensSeen: p.tokensSeen,
      schedule: p.schedule,
      rng: p.replayRng,
      kafkaOffsets,
      extra: { run: o.run, rowsTrained: p.rowsTrained, replayRows: p.replayRows, loss: p.loss, tokenizerId: o.tokenizer.id, seqLen: o.seqLen },
    });
    await o.checkpointHook?.('committed');
    this.checkpointed = { step: p.step, tokensSeen: p.tokensSeen, atMs: Date.now() };
    await this.finishCheckpoint(saved.dir, p.step, p.tokensSeen, saved.manifest.createdAt, new Map(Object.entries(snapshot.params)));
    const deleted = await applyRetention(o.checkpoint.dir, { keepLast: o.checkpoint.keepLast, keepEvery: o.checkpoint.keepEvery });
    const seconds = (performance.now() - started) / 1000;
    this.metrics?.checkpointDone(seconds);
    this.log(`checkpoint ${saved.dir} (step ${p.step}, ${p.tokensSeen} tokens) in ${seconds.toFixed(2)} s${deleted.length ? `; retention removed ${deleted.length}` : ''}`);
    if (this.status.phase === 'checkpointing') this.status.phase = previousPhase;
  }

  /** HF export, then the checkpoint event (after the checkpoint is complete on disk). */
  private async finishCheckpoint(dir: string, step: number, tokensSeen: number, createdAt: string, params?: Map<string, Float32Array>): Promise<void> {
    const o = this.options;
    const weights = params ?? (await this.readParams());
    const exported = await writeHfExport(dir, this.configJson, weights, o.tokenizer.path);
    await o.checkpointHook?.('exported');
    // The curve up to this checkpoint is on the bus before the checkpoint's scores can be.
    await this.stepMetrics?.flush();
    const event: CheckpointEvent = {
      run: o.run,
      step,
      tokensSeen,
      path: dir,
      hfPath: exported.dir,
      hfFiles: exported.files.map((f) => ({ name: f.name, bytes: f.bytes, sha256: f.sha256 })),
      loss: step === this.progress.step ? (this.progress.loss ?? 0) : 0,
      createdAtMs: Date.parse(createdAt),
      isBase: false,
    };
    await o.bus.publish([{ topic: o.topics.checkpoints, key: o.run, value: checkpointEventCodec.encode(event) }]);
    this.status.lastCheckpoint = this.summaryOf(dir, step, tokensSeen, createdAt);
  }

  private summaryOf(dir: string, step: number, tokensSeen: number, createdAt: string) {
    return { step, tokensSeen, dir, hfDir: join(dir, HF_EXPORT_DIR), createdAt };
  }

  private progressFromCheckpoint(entry: CheckpointEntry): Progress {
    const m = entry.manifest;
    const extra = m.extra as { rowsTrained?: number; replayRows?: number; loss?: number | null; tokenizerId?: string; seqLen?: number };
    if (extra.tokenizerId && extra.tokenizerId !== this.options.tokenizer.id) {
      throw new ConfigError(`${entry.dir} was trained with tokenizer ${extra.tokenizerId}; this trainer is configured with ${this.options.tokenizer.id}`);
    }
    return {
      step: m.step,
      tokensSeen: m.tokensSeen,
      rowsTrained: extra.rowsTrained ?? 0,
      replayRows: extra.replayRows ?? 0,
      schedule: m.schedule ? parseScheduleState(m.schedule) : initialScheduleState(this.options.schedule),
      replayRng: (m.rng as RngState | null) ?? null,
      offsets: m.kafkaOffsets.map((k) => ({ topic: k.topic, partition: k.partition, offset: k.offset })),
      loss: extra.loss ?? null,
    };
  }

  private async readEngineState(step: number): Promise<EngineState> {
    const state: Required<EngineState> = { step, params: {}, expAvg: {}, expAvgSq: {} };
    for (const p of parameterShapes(this.config)) {
      state.params[p.name] = await this.store!.readTensor(p.name);
      state.expAvg[p.name] = await this.store!.readTensor(momentName(p.name));
      state.expAvgSq[p.name] = await this.store!.readTensor(varianceName(p.name));
    }
    return state;
  }

  private async readParams(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const p of parameterShapes(this.config)) out.set(p.name, await this.store!.readTensor(p.name));
    return out;
  }

  private log(line: string): void {
    this.options.log?.(`[trainer ${this.options.run}] ${line}`);
  }
}

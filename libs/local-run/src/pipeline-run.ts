// The document pipeline in one process: ingest -> quality filter -> dedup -> packer, each stage a
// consumer group on the given bus (the in-process bus for `cptflow run`, Kafka in tests), exactly as the
// separate services run them.
import { deadLetterTopic, type CptflowConfig, type Bus } from '@cptflow/platform';
import {
  ingestToBus,
  INGEST_STAGE,
  type ProgressOutput,
  DocumentTokenizer,
  createDedupStage,
  createPackerStage,
  createQualityStage,
  dedupSettings,
  openDocumentScorer,
  openPackerTokenizer,
  openSignatureStore,
  packerSettings,
  qualitySettings,
  type PackerStage,
  type QualityPipelineConfig,
  type Stage,
  StageAccounting,
  StageAccountingPublisher,
} from '@cptflow/data';
import { PipelineAccounting, type PipelineCounts } from './accounting';
import { HostedStage } from './host-stage';

/** How long the in-process packer waits for more input before padding its open sequences. */
export const LOCAL_IDLE_FLUSH_MS = 300;

export interface CorpusSource {
  /** A file, folder or glob the ingest readers understand. */
  path: string;
  /** "domain" for the corpus being learned, "replay" for general data mixed in against forgetting. */
  corpus: string;
  /** Keep only rows with int_score >= this (FineWeb-Edu); the others are counted as rejections. */
  minIntScore?: number;
}

export interface PipelineRunOptions {
  config: CptflowConfig;
  bus: Bus;
  progress?: ProgressOutput;
  /** Gives up waiting for the stages to settle after this long. */
  settleTimeoutMs?: number;
}

/** The running stages; ingest sources into it, wait for it to settle, read the counts. */
export class LocalPipeline {
  private constructor(
    private readonly options: PipelineRunOptions,
    private readonly stages: HostedStage[],
    readonly accounting: PipelineAccounting,
    readonly tokenizer: DocumentTokenizer,
    /** What ingest published, counted as the ingest service counts it (the dashboard's first row). */
    private readonly ingestAccounting: StageAccounting,
    private readonly ingestPublisher: StageAccountingPublisher,
    private readonly packer: PackerStage,
  ) {}

  /** Per-stage counts, as the stage services keep them (summary lines, the mostly-rejected warning). */
  get stageAccounting(): StageAccounting[] {
    return this.stages.map((s) => s.accounting);
  }

  static async start(options: PipelineRunOptions): Promise<LocalPipeline> {
    const { config, bus } = options;
    const packing = packerSettings(config);
    const dedup = dedupSettings(config);
    const quality = qualitySettings(config);
    const tokenizer = await openPackerTokenizer(packing);
    // One process whose input ends when ingest does: a short quiet spell is the stream's end.
    const packer = createPackerStage({ topics: config.topics, tokenizer, seqLen: packing.seqLen, strategy: packing.strategy, bus, idleFlushMs: LOCAL_IDLE_FLUSH_MS });
    const stages: Stage[] = [
      createQualityStage({ topics: config.topics, filters: quality.filters as QualityPipelineConfig, scorer: await openDocumentScorer(quality) }),
      createDedupStage({ topics: config.topics, store: openSignatureStore(dedup), nearDuplicates: dedup.nearDuplicates }),
      packer,
    ];
    const accounting = new PipelineAccounting(bus, config.topics);
    await accounting.start();
    // As the services do: ingest and each stage publish their accounting for the dashboard.
    const ingestAccounting = new StageAccounting(INGEST_STAGE, config.topics);
    const ingestPublisher = new StageAccountingPublisher({ name: INGEST_STAGE }, ingestAccounting, { bus, topics: config.topics, intervalMs: 1000 });
    await ingestPublisher.start();
    const hosted: HostedStage[] = [];
    for (const stage of stages) hosted.push(await HostedStage.start(stage, bus, config));
    return new LocalPipeline(options, hosted, accounting, tokenizer, ingestAccounting, ingestPublisher, packer);
  }

  async ingest(source: CorpusSource): Promise<void> {
    const { config, bus, progress } = this.options;
    const summary = await ingestToBus(source.path, bus, {
      topics: { raw: config.topics.docsRaw, deadLetter: deadLetterTopic('ingest', config.topics.deadLetterPrefix), rejected: config.topics.docsRejected },
      reader: { corpus: source.corpus, minIntScore: source.minIntScore },
      publisher: { onPublished: this.ingestAccounting.countPublished },
      progress,
    });
    // Documents the reader's filter rejected settle through docs.rejected like the quality filter's.
    this.accounting.counts.ingested += summary.documents + summary.rejected;
    this.accounting.counts.ingestDeadLetters += summary.deadLetters;
  }

  /** Warnings a person should see about the run so far (e.g. most documents rejected). */
  warnings(): string[] {
    return this.stageAccounting.flatMap((a) => a.mostlyRejectedWarning() ?? []);
  }

  /** Resolves once every ingested document is accounted for; rejects after the timeout. */
  async settle(): Promise<PipelineCounts> {
    // Settled once the packer holds no open sequence and its idle flush had time to be counted.
    return this.accounting.settled(this.options.settleTimeoutMs ?? 10 * 60_000, LOCAL_IDLE_FLUSH_MS + 400, () => !this.packer.holdsOpenSequences());
  }

  async stop(): Promise<void> {
    for (const s of this.stages) await s.stopConsuming();
    await this.ingestPublisher.stop();
    await this.accounting.stop();
    for (const s of this.stages) await s.stage.close?.();
  }
}

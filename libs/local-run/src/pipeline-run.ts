// The document pipeline in one process: ingest -> quality filter -> dedup -> packer, each stage a
// consumer group on the given bus (the in-process bus for `cptflow run`, Kafka in tests), exactly as the
// separate services run them.
import { deadLetterTopic } from '../../contracts/src';
import type { CptflowConfig } from '../../config/src/schema';
import { ingestToBus, type ProgressOutput } from '../../ingest/src';
import { DocumentTokenizer } from '../../packing/src';
import {
  createDedupStage,
  createPackerStage,
  createQualityStage,
  dedupSettings,
  openDocumentScorer,
  openSignatureStore,
  packerSettings,
  qualitySettings,
} from '../../pipeline-stages/src';
import type { QualityPipelineConfig } from '../../quality/src';
import type { Stage } from '../../pipeline-stages/src';
import type { Bus, Subscription } from '../../transport/src/bus';
import { PipelineAccounting, type PipelineCounts } from './accounting';

export interface CorpusSource {
  /** A file, folder or glob the ingest readers understand. */
  path: string;
  /** "domain" for the corpus being learned, "replay" for general data mixed in against forgetting. */
  corpus: string;
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
    private readonly stages: Stage[],
    private readonly subscriptions: Subscription[],
    readonly accounting: PipelineAccounting,
    readonly tokenizer: DocumentTokenizer,
  ) {}

  static async start(options: PipelineRunOptions): Promise<LocalPipeline> {
    const { config, bus } = options;
    const packing = packerSettings(config);
    const dedup = dedupSettings(config);
    const quality = qualitySettings(config);
    const tokenizer = DocumentTokenizer.load({ tokenizerPath: packing.tokenizerPath });
    const stages: Stage[] = [
      createQualityStage({ topics: config.topics, filters: quality.filters as QualityPipelineConfig, scorer: await openDocumentScorer(quality) }),
      createDedupStage({ topics: config.topics, store: openSignatureStore(dedup), nearDuplicates: dedup.nearDuplicates }),
      createPackerStage({ topics: config.topics, tokenizer, seqLen: packing.seqLen, strategy: packing.strategy }),
    ];
    const accounting = new PipelineAccounting(bus, config.topics);
    await accounting.start();
    const subscriptions: Subscription[] = [];
    for (const stage of stages) {
      await bus.ensureTopics([...stage.inputTopics, ...stage.outputTopics], config.bus.partitions);
      subscriptions.push(
        await bus.consume({ groupId: stage.groupId, topics: stage.inputTopics, handler: stage.handle, maxBatchRecords: config.bus.maxBatchRecords }),
      );
    }
    return new LocalPipeline(options, stages, subscriptions, accounting, tokenizer);
  }

  async ingest(source: CorpusSource): Promise<void> {
    const { config, bus, progress } = this.options;
    const summary = await ingestToBus(source.path, bus, {
      topics: { raw: config.topics.docsRaw, deadLetter: deadLetterTopic('ingest', config.topics.deadLetterPrefix) },
      reader: { corpus: source.corpus },
      progress,
    });
    this.accounting.counts.ingested += summary.documents;
    this.accounting.counts.ingestDeadLetters += summary.deadLetters;
  }

  /** Resolves once every ingested document is accounted for; rejects after the timeout. */
  async settle(): Promise<PipelineCounts> {
    return this.accounting.settled(this.options.settleTimeoutMs ?? 10 * 60_000);
  }

  async stop(): Promise<void> {
    for (const s of this.subscriptions) await s.stop();
    await this.accounting.stop();
    for (const stage of this.stages) await stage.close?.();
  }
}

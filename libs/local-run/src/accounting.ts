// Where every document that entered went: kept (and packed), rejected with its rule, duplicate, or
// dead-lettered at some stage. The pipeline is balanced when these add up to what was ingested.
import {
  codecFor,
  deadLetterTopic,
  Duplicate,
  DuplicateKind,
  PackedSequence,
  Rejection,
  type TopicsConfig,
  type Bus,
  type ConsumedRecord,
  type Subscription,
} from '@cptflow/platform';
import { DEDUP_STAGE, isPackerFlushRequest, PackedDocumentTally, PACKER_STAGE, QUALITY_STAGE } from '@cptflow/data';

export class PipelineTimeoutError extends Error {
  override readonly name = 'PipelineTimeoutError';
}

const rejectionCodec = codecFor<Rejection>(Rejection);
const duplicateCodec = codecFor<Duplicate>(Duplicate);
const sequenceCodec = codecFor<PackedSequence>(PackedSequence);

export interface PipelineCounts {
  /** Documents that reached docs.raw (valid records from every source). */
  ingested: number;
  /** Records the readers could not turn into documents (bad JSON, invalid UTF-8, ...). */
  ingestDeadLetters: number;
  rejected: number;
  rejectedByRule: Record<string, number>;
  exactDuplicates: number;
  nearDuplicates: number;
  unique: number;
  deadLettersByStage: Record<string, number>;
  sequences: number;
  sequencesByCorpus: Record<string, number>;
  tokens: number;
  paddingTokens: number;
  /** Documents all of whose tokens are in packed sequences (a tail held in an open sequence is not yet). */
  packedDocuments: number;
}

/** Counts the pipeline's outputs as they are committed, under its own consumer group. */
export class PipelineAccounting {
  readonly counts: PipelineCounts = {
    ingested: 0,
    ingestDeadLetters: 0,
    rejected: 0,
    rejectedByRule: {},
    exactDuplicates: 0,
    nearDuplicates: 0,
    unique: 0,
    deadLettersByStage: {},
    sequences: 0,
    sequencesByCorpus: {},
    tokens: 0,
    paddingTokens: 0,
    packedDocuments: 0,
  };
  private readonly packed = new PackedDocumentTally();
  private subscription?: Subscription;

  constructor(
    private readonly bus: Bus,
    private readonly topics: TopicsConfig,
  ) {}

  async start(): Promise<void> {
    const { topics } = this;
    const dlq = (stage: string) => deadLetterTopic(stage, topics.deadLetterPrefix);
    const stageOfDlq = new Map([QUALITY_STAGE, DEDUP_STAGE, PACKER_STAGE].map((s) => [dlq(s), s]));
    const watched = [topics.docsRejected, topics.docsDuplicate, topics.docsUnique, topics.seqsPacked, topics.seqsReplay, ...stageOfDlq.keys()];
    await this.bus.ensureTopics(watched);
    this.subscription = await this.bus.consume({
      groupId: 'cptflow.local.accounting',
      topics: watched,
      handler: async (batch) => {
        for (const record of batch.records) this.count(record, stageOfDlq);
        return [];
      },
    });
  }

  private count(record: ConsumedRecord, stageOfDlq: Map<string, string>): void {
    const c = this.counts;
    const { topics } = this;
    if (record.topic === topics.docsRejected) {
      const r = rejectionCodec.decode(record.value);
      c.rejected++;
      const rule = `${r.filter}/${r.rule}`;
      c.rejectedByRule[rule] = (c.rejectedByRule[rule] ?? 0) + 1;
    } else if (record.topic === topics.docsDuplicate) {
      const d = duplicateCodec.decode(record.value);
      if (d.kind === DuplicateKind.EXACT) c.exactDuplicates++;
      else c.nearDuplicates++;
    } else if (record.topic === topics.docsUnique) {
      if (!isPackerFlushRequest(record)) c.unique++;
    } else if (record.topic === topics.seqsPacked || record.topic === topics.seqsReplay) {
      const s = sequenceCodec.decode(record.value);
      c.sequences++;
      const corpus = s.corpus || 'domain';
      c.sequencesByCorpus[corpus] = (c.sequencesByCorpus[corpus] ?? 0) + 1;
      c.tokens += s.numTokens ?? 0;
      c.paddingTokens += (s.seqLen ?? 0) - (s.numTokens ?? 0);
      // The segment layout is all the tally needs: the token payload stays undecoded.
      this.packed.add({ numTokens: s.numTokens ?? 0, docStarts: s.docStarts ?? [], docIds: s.docIds ?? [], docLengths: s.docLengths ?? [] });
      c.packedDocuments = this.packed.complete;
    } else {
      const stage = stageOfDlq.get(record.topic) ?? record.topic;
      c.deadLettersByStage[stage] = (c.deadLettersByStage[stage] ?? 0) + 1;
    }
  }

  /** Every ingested document is accounted for downstream, and every unique one is packed or dead-lettered. */
  balanced(): boolean {
    const c = this.counts;
    const dl = (stage: string) => c.deadLettersByStage[stage] ?? 0;
    const settled = c.rejected + c.exactDuplicates + c.nearDuplicates + c.unique + dl(QUALITY_STAGE) + dl(DEDUP_STAGE);
    return settled === c.ingested && c.packedDocuments + dl(PACKER_STAGE) === c.unique;
  }

  /**
   * Resolves once balanced() holds, `drained()` says nothing is held back, and the counts stay still for
   * `quietMs`. balanced() counts a document as packed only when its last token is in a sequence, so a
   * tail still carried in a packer's open sequence (until the idle flush) keeps the pipeline unsettled
   * wherever the packers run.
   */
  async settled(timeoutMs: number, quietMs = 400, drained: () => boolean = () => true): Promise<PipelineCounts> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    let stableSince = Date.now();
    for (;;) {
      const now = JSON.stringify(this.counts);
      if (now !== last) {
        last = now;
        stableSince = Date.now();
      } else if (this.balanced() && drained() && Date.now() - stableSince >= quietMs) {
        return structuredClone(this.counts);
      }
      if (Date.now() > deadline) throw new PipelineTimeoutError(`pipeline did not settle: ${now}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }
}

// docs.unique -> seqs.packed (and seqs.replay for replay text): tokenize with the model's tokenizer and
// pack into fixed-length sequences (libs/data/src/packing), recording document boundaries for the trainer's
// attention mask.
//
// The open sequence of each input partition (one per corpus) is carried from batch to batch, so only a
// stream's last sequence is ever padded. Its state goes to a compacted state topic, keyed by the input
// partition, as one more output of the batch: sequences, state and consumed offsets commit in one
// transaction, as Kafka Streams commits a changelog. A packer that restarts (or takes over the
// partition) reads the state back before its first batch, so a kill -9 neither loses nor doubles a
// token. The in-memory copy is trusted only when the batch starts where the copy ends; after a failed
// commit, a redelivery or a rebalance, the committed state is read again.
//
// A partition that goes quiet with an open sequence is flushed after `idleFlushMs`: the packer appends
// a flush request to that input partition, and whichever packer owns the partition then pads and emits
// the open sequence in the same transactional path (so two packers can never both flush it). A request
// is void when documents arrived after it was made.
import {
  codecFor,
  PackedSequence,
  type TopicsConfig,
  type Bus,
  type ConsumedBatch,
  type ConsumedRecord,
  type OutgoingRecord,
} from '@cptflow/platform';
import { createPacker, DocumentTokenizer, toPackedSequenceMessage, type PackedSequenceData, type PackerState, type PackingStrategy, type SequencePacker } from '../packing';
import type { Stage } from './stage';
import { decodeDocuments, type DecodedDocument } from './document-batch';

const sequenceCodec = codecFor<PackedSequence>(PackedSequence);

export const PACKER_STAGE = 'packer';
/** Document.corpus of general text mixed in against forgetting. */
export const REPLAY_CORPUS = 'replay';
/** Header of a flush request; its value is the input offset up to which the requester had packed. */
export const PACKER_FLUSH_HEADER = 'cptflow-packer-flush';
export const DEFAULT_IDLE_FLUSH_MS = 30_000;

export function isPackerFlushRequest(record: Pick<ConsumedRecord, 'headers'>): boolean {
  return record.headers[PACKER_FLUSH_HEADER] !== undefined;
}

export interface PackerStageOptions {
  topics: TopicsConfig;
  tokenizer: DocumentTokenizer;
  seqLen: number;
  strategy: PackingStrategy;
  /** Id written into padding positions; the trainer masks them out of the loss. */
  padId?: number;
  /** Where the carried state lives and flush requests go. */
  bus: Pick<Bus, 'ensureStateTopic' | 'readState' | 'publish'>;
  /** Pad and emit a partition's open sequences after this long without input. */
  idleFlushMs?: number;
}

export interface PackerStageCounters {
  documents: number;
  sequences: number;
  tokens: number;
  paddingTokens: number;
}

/** What is carried for one input partition, as committed with the batch that produced it. */
interface CarriedState {
  version: 1;
  /** The input offset the next batch must start at for this state to be the current one. */
  nextOffset: string;
  /** One past the last document packed (flush requests older than it are void). */
  docsEnd: string;
  packers: Record<string, PackerState>;
}

interface Carry {
  nextOffset: bigint;
  docsEnd: bigint;
  packers: Map<string, SequencePacker>;
}

export interface PackerStage extends Stage {
  counters: PackerStageCounters;
  /** Whether any partition this packer handles holds an open (not yet emitted) sequence. */
  holdsOpenSequences(): boolean;
}

export function createPackerStage(options: PackerStageOptions): PackerStage {
  const { topics, tokenizer, seqLen, strategy, bus } = options;
  const padId = options.padId ?? tokenizer.eosId;
  const idleFlushMs = options.idleFlushMs ?? DEFAULT_IDLE_FLUSH_MS;
  const counters: PackerStageCounters = { documents: 0, sequences: 0, tokens: 0, paddingTokens: 0 };
  const labels = { tokenizerId: tokenizer.tokenizerId, tokenWidth: tokenizer.tokenWidth };
  const carried = new Map<string, Carry>();
  const idleTimers = new Map<string, NodeJS.Timeout>();
  let stateTopicReady: Promise<void> | undefined;
  // Replay (general) text travels on its own topic, so the trainer can mix it in at an exact fraction.
  const topicFor = (corpus: string) => (corpus === REPLAY_CORPUS ? topics.seqsReplay : topics.seqsPacked);
  const partitionKey = (batch: ConsumedBatch) => `${batch.topic}/${batch.partition}`;

  async function carryFor(batch: ConsumedBatch): Promise<Carry> {
    const key = partitionKey(batch);
    const cached = carried.get(key);
    carried.delete(key); // until this batch's handling succeeds, the copy is not to be trusted
    if (cached && cached.nextOffset === BigInt(batch.records[0]!.offset)) return cached;
    stateTopicReady ??= bus.ensureStateTopic(topics.packerState);
    await stateTopicReady;
    const stored = await bus.readState(topics.packerState, key);
    const state: CarriedState | undefined = stored?.length ? JSON.parse(stored.toString('utf8')) : undefined;
    const packers = new Map(Object.entries(state?.packers ?? {}).map(([corpus, s]) => [corpus, createPacker({ strategy, seqLen, padId, state: s })]));
    return { nextOffset: BigInt(batch.records[0]!.offset), docsEnd: BigInt(state?.docsEnd ?? '0'), packers };
  }

  function packerFor(carry: Carry, corpus: string): SequencePacker {
    let packer = carry.packers.get(corpus);
    if (!packer) carry.packers.set(corpus, (packer = createPacker({ strategy, seqLen, padId })));
    return packer;
  }

  function toRecords(sequences: PackedSequenceData[], corpus: string, key: string, headers: Record<string, string>): OutgoingRecord[] {
    return sequences.map((seq) => {
      counters.sequences++;
      counters.tokens += seq.numTokens;
      counters.paddingTokens += seq.seqLen - seq.numTokens;
      const message = toPackedSequenceMessage(seq, { ...labels, corpus });
      return { topic: topicFor(corpus), key, value: sequenceCodec.encode(message), headers };
    });
  }

  /** Tokenizes a run of documents (in offset order) and packs them, corpus by corpus. */
  async function packRun(carry: Carry, run: DecodedDocument[], key: string): Promise<OutgoingRecord[]> {
    const ids = await tokenizer.encodeBatch(run.map((d) => d.document.text!));
    const byCorpus = new Map<string, Array<{ id: string; tokens: Uint32Array }>>();
    run.forEach((d, i) => {
      const corpus = d.document.corpus || 'domain';
      const list = byCorpus.get(corpus) ?? [];
      byCorpus.set(corpus, list);
      list.push({ id: d.document.id!, tokens: ids[i]! });
    });
    counters.documents += run.length;
    carry.docsEnd = BigInt(run[run.length - 1]!.record.offset) + 1n;
    const out: OutgoingRecord[] = [];
    // Sequences never mix corpora, so the trainer can mix replay data at an exact fraction.
    for (const [corpus, docs] of byCorpus) out.push(...toRecords(packerFor(carry, corpus).push(docs), corpus, key, traceOf(run[0]!.record)));
    return out;
  }

  function flushAll(carry: Carry, key: string, request: ConsumedRecord): OutgoingRecord[] {
    const out: OutgoingRecord[] = [];
    for (const [corpus, packer] of carry.packers) out.push(...toRecords(packer.flush(), corpus, key, traceOf(request)));
    return out;
  }

  function stateRecord(carry: Carry, key: string): OutgoingRecord {
    const state: CarriedState = {
      version: 1,
      nextOffset: String(carry.nextOffset),
      docsEnd: String(carry.docsEnd),
      packers: Object.fromEntries([...carry.packers].map(([corpus, packer]) => [corpus, packer.state()])),
    };
    return { topic: topics.packerState, key, value: Buffer.from(JSON.stringify(state)) };
  }

  /** After idleFlushMs with open sequences and no new input, ask the partition's owner to flush. */
  function scheduleIdleFlush(batch: ConsumedBatch, carry: Carry): void {
    const key = partitionKey(batch);
    clearTimeout(idleTimers.get(key));
    idleTimers.delete(key);
    if (!hasOpenSequences(carry)) return;
    const requestedAt = carry.nextOffset;
    const timer = setTimeout(() => {
      idleTimers.delete(key);
      if (carried.get(key)?.nextOffset !== requestedAt) return; // input arrived meanwhile, or the partition moved
      const request = { topic: batch.topic, partition: batch.partition, value: Buffer.alloc(0), headers: { [PACKER_FLUSH_HEADER]: String(requestedAt) } };
      bus.publish([request]).catch(() => undefined); // a lost request is asked again after the next batch
    }, idleFlushMs);
    timer.unref();
    idleTimers.set(key, timer);
  }

  return {
    name: PACKER_STAGE,
    groupId: `cptflow.${PACKER_STAGE}`,
    inputTopics: [topics.docsUnique],
    outputTopics: [topics.seqsPacked, topics.seqsReplay],
    counters,
    holdsOpenSequences: () => [...carried.values()].some(hasOpenSequences),
    async handle(batch) {
      const key = partitionKey(batch);
      const carry = await carryFor(batch);
      // One key per input partition: a partition's sequences stay together and in order downstream,
      // so the trainer sees the stream in the order the documents arrived.
      const outputKey = key;
      const out: OutgoingRecord[] = [];
      let run: ConsumedRecord[] = [];
      const packPending = async () => {
        if (!run.length) return;
        const { documents, deadLetters } = decodeDocuments(PACKER_STAGE, { ...batch, records: run }, topics.deadLetterPrefix);
        out.push(...deadLetters);
        if (documents.length) out.push(...(await packRun(carry, documents, outputKey)));
        run = [];
      };
      for (const record of batch.records) {
        if (!isPackerFlushRequest(record)) {
          run.push(record);
          continue;
        }
        await packPending();
        // Void when documents arrived after the request was made: the stream is not idle.
        if (carry.docsEnd <= BigInt(record.headers[PACKER_FLUSH_HEADER]!)) out.push(...flushAll(carry, outputKey, record));
      }
      await packPending();
      carry.nextOffset = BigInt(batch.records[batch.records.length - 1]!.offset) + 1n;
      out.push(stateRecord(carry, key));
      carried.set(key, carry);
      scheduleIdleFlush(batch, carry);
      return out;
    },
    async close() {
      for (const timer of idleTimers.values()) clearTimeout(timer);
      idleTimers.clear();
    },
  };
}

function hasOpenSequences(carry: Carry): boolean {
  return [...carry.packers.values()].some((p) => p.state().segments.length > 0);
}

/** A packed sequence continues the trace of the record that completed it. */
function traceOf(record: ConsumedRecord): Record<string, string> {
  return record.headers.traceparent ? { traceparent: record.headers.traceparent } : {};
}

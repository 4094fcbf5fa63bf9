// docs.unique -> seqs.packed (and seqs.replay for replay text): tokenize with the model's tokenizer and
// pack into fixed-length sequences (libs/data/src/packing), recording document boundaries for the trainer's
// attention mask.
//
// The open sequence of each input partition (one per corpus) is carried from batch to batch, so only a
// stream's last sequence is ever padded. Its state goes to a compacted state topic, keyed by the input
// partition, as one more output of the batch: sequences, state and consumed offsets commit in one
// transaction, as Kafka Streams commits a changelog. A packer that restarts (or takes over the
// partition) reads the state back before its first batch, so a kill -9 neither loses nor doubles a
// token; records the state says were packed already are skipped. The in-memory copy is trusted only
// while no other packer can have handled the partition (carryFor); after a failed commit, a redelivery
// or a rebalance, the committed state is read again.
//
// A partition that goes quiet with an open sequence is flushed after `idleFlushMs`: the packer appends
// a flush request to that input partition, and whichever packer owns the partition then pads and emits
// the open sequence in the same transactional path (so two packers can never both flush it). A request
// is void when documents arrived after it was made. A packer given a partition by a rebalance reads its
// state and arms the flush too: the owner that carried it may have died before its timer fired.
import {
  codecFor,
  deadLetterFor,
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
  /** Where the stage says what went wrong outside a batch (reading a taken-over partition's state). */
  log?: (message: string) => void;
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
  /** How many assignments this packer had been told of when the carry's batch began. */
  assignment: number;
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
  let closed = false;
  /** Assignments the host told of (0: a host that never tells, where only an exact offset match counts). */
  let assignments = 0;
  // Replay (general) text travels on its own topic, so the trainer can mix it in at an exact fraction.
  const topicFor = (corpus: string) => (corpus === REPLAY_CORPUS ? topics.seqsReplay : topics.seqsPacked);
  /** The key of a partition's carried state, timers and output records. */
  const partitionKey = ({ topic, partition }: { topic: string; partition: number }) => `${topic}/${partition}`;

  async function carryFor(batch: ConsumedBatch, assignment: number): Promise<Carry> {
    const key = partitionKey(batch);
    const cached = carried.get(key);
    carried.delete(key); // until this batch's handling succeeds, the copy is not to be trusted
    const first = BigInt(batch.records[0]!.offset);
    // Also trusted when the batch starts later with no rebalance since the copy's batch began: within one
    // assignment no other packer reads the partition, so the gap is offsets no reader is given (the
    // transaction markers Kafka leaves between every two transactions, aborted records).
    const sameAssignment = assignments > 0 && cached?.assignment === assignment;
    if (cached && (cached.nextOffset === first || (sameAssignment && first > cached.nextOffset))) return cached;
    return restore(await committedState(key), first, assignment);
  }

  async function committedState(key: string): Promise<CarriedState | undefined> {
    stateTopicReady ??= bus.ensureStateTopic(topics.packerState);
    await stateTopicReady;
    const stored = await bus.readState(topics.packerState, key);
    return stored?.length ? JSON.parse(stored.toString('utf8')) : undefined;
  }

  /** The carry for a batch starting at `from`, from the state the last committed batch wrote. */
  function restore(state: CarriedState | undefined, from: bigint, assignment: number): Carry {
    const packers = new Map(Object.entries(state?.packers ?? {}).map(([corpus, s]) => [corpus, createPacker({ strategy, seqLen, padId, state: s })]));
    // The state may be ahead of the batch: a group offset fetched while the previous owner's transaction
    // was committed but its markers not yet written points before records that transaction already
    // packed (the Kafka bus waits for its commits to read as stable; this guards the state all the same).
    // They are in this state, so they are skipped, not packed twice.
    const stateNext = BigInt(state?.nextOffset ?? '0');
    return { nextOffset: stateNext > from ? stateNext : from, docsEnd: BigInt(state?.docsEnd ?? '0'), packers, assignment };
  }

  /**
   * A partition this packer was just given may hold a previous owner's open sequence (that owner was
   * killed, or lost the partition, before its idle flush) and no new input may ever come to flush it:
   * read the partition's state and arm the idle flush as if this packer had handled its last batch.
   */
  async function adopt(topic: string, partition: number): Promise<void> {
    const key = partitionKey({ topic, partition });
    const assignment = assignments;
    try {
      if (closed || carried.has(key)) return;
      const state = await committedState(key);
      if (!state || closed || carried.has(key)) return; // a batch of the partition got here first
      const carry = restore(state, 0n, assignment);
      if (!hasOpenSequences(carry)) return;
      carried.set(key, carry);
      scheduleIdleFlush(topic, partition, carry);
    } catch (error) {
      options.log?.(`packer: reading the carried state of ${key} failed (${(error as Error).message}); trying again`);
      if (!closed) setTimeout(() => void adopt(topic, partition), idleFlushMs).unref();
    }
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
  function scheduleIdleFlush(topic: string, partition: number, carry: Carry): void {
    const key = partitionKey({ topic, partition });
    clearTimeout(idleTimers.get(key));
    idleTimers.delete(key);
    if (closed || !hasOpenSequences(carry)) return;
    const requestedAt = carry.nextOffset;
    const timer = setTimeout(() => {
      idleTimers.delete(key);
      if (carried.get(key)?.nextOffset !== requestedAt) return; // input arrived meanwhile, or the partition moved
      const request = { topic, partition, value: Buffer.alloc(0), headers: { [PACKER_FLUSH_HEADER]: String(requestedAt) } };
      // A request that could not be written is asked again: at the stream's end no next batch would.
      bus.publish([request]).catch(() => scheduleIdleFlush(topic, partition, carry));
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
      const assignment = assignments;
      const carry = await carryFor(batch, assignment);
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
        if (BigInt(record.offset) < carry.nextOffset) continue; // packed by the transaction that wrote the state
        if (!isPackerFlushRequest(record)) {
          run.push(record);
          continue;
        }
        const requestedAt = record.headers[PACKER_FLUSH_HEADER]!;
        if (!/^\d+$/.test(requestedAt)) {
          // Packers write an offset here; anything else came from another producer and would fail the batch on every retry.
          const reason = `flush request header "${PACKER_FLUSH_HEADER}" is ${JSON.stringify(requestedAt)}, not an input offset`;
          out.push(deadLetterFor(PACKER_STAGE, record, new Error(reason), { prefix: topics.deadLetterPrefix }));
          continue;
        }
        await packPending();
        // Void when documents arrived after the request was made: the stream is not idle.
        if (carry.docsEnd <= BigInt(requestedAt)) out.push(...flushAll(carry, outputKey, record));
      }
      await packPending();
      const end = BigInt(batch.records[batch.records.length - 1]!.offset) + 1n;
      if (end > carry.nextOffset) carry.nextOffset = end;
      out.push(stateRecord(carry, key));
      carry.assignment = assignment;
      carried.set(key, carry);
      scheduleIdleFlush(batch.topic, batch.partition, carry);
      return out;
    },
    partitionsAssigned(partitions) {
      assignments++;
      for (const { topic, partition } of partitions) if (topic === topics.docsUnique) void adopt(topic, partition);
    },
    async close() {
      closed = true;
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

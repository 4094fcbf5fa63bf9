// What a document stage did with what it consumed, counted from the records it committed (so a
// retried batch counts once): kept, rejected by rule, duplicates by kind, dead letters, sequences.
// Ingest, which consumes no topic, counts what it published instead (countPublished).
// The stage's service logs a summary line from it every few seconds (StageSummaries); other readers
// (a dashboard, an accounting topic) take totals() snapshots.
import {
  codecFor,
  Duplicate,
  DuplicateKind,
  Rejection,
  type TopicsConfig,
  type ConsumedBatch,
  type OutgoingRecord,
  isDeadLetter,
} from '@cptflow/platform';

const rejectionCodec = codecFor<Rejection>(Rejection);
const duplicateCodec = codecFor<Duplicate>(Duplicate);

export interface StageTotals {
  /** Records read and committed (ingest: records read, each published as one document, rejection or dead letter). */
  consumed: number;
  /** Documents passed downstream (docs.raw, docs.filtered, docs.unique). */
  kept: number;
  rejected: number;
  /** `filter/rule` -> documents (docs.rejected). */
  rejectedByRule: Record<string, number>;
  duplicates: number;
  /** `exact` / `near` -> documents (docs.duplicate). */
  duplicatesByKind: Record<string, number>;
  deadLetters: number;
  /** Packed sequences written (seqs.packed, seqs.replay). */
  sequences: number;
}

/** Share of decided documents rejected above which the summary warns (FineWeb's rules on dictionary-like text: 99.9%). */
const MOSTLY_REJECTED_SHARE = 0.5;
/** Documents decided before the warning can fire, so a few odd first documents do not raise it. */
const MOSTLY_REJECTED_MIN_DOCUMENTS = 20;

export class StageAccounting {
  private readonly counts: StageTotals = emptyTotals();

  constructor(
    readonly stage: string,
    private readonly topics: TopicsConfig,
  ) {}

  /** Pass as ConsumerOptions.onCommitted. */
  readonly countCommitted = (batch: ConsumedBatch, outputs: OutgoingRecord[]): void => {
    this.counts.consumed += batch.records.length;
    this.countOutputs(outputs);
  };

  /**
   * For a stage that reads no topic (ingest): every record it read was published as exactly one
   * output, so the outputs are both what came in and what went out. Pass once the bus accepted them.
   */
  readonly countPublished = (outputs: OutgoingRecord[]): void => {
    this.counts.consumed += outputs.length;
    this.countOutputs(outputs);
  };

  private countOutputs(outputs: OutgoingRecord[]): void {
    const c = this.counts;
    for (const record of outputs) {
      if (isDeadLetter(record)) c.deadLetters++;
      else if (record.topic === this.topics.docsRaw || record.topic === this.topics.docsFiltered || record.topic === this.topics.docsUnique) c.kept++;
      else if (record.topic === this.topics.docsRejected) {
        const r = rejectionCodec.decode(record.value);
        c.rejected++;
        increment(c.rejectedByRule, `${r.filter}/${r.rule}`);
      } else if (record.topic === this.topics.docsDuplicate) {
        const d = duplicateCodec.decode(record.value);
        c.duplicates++;
        increment(c.duplicatesByKind, d.kind === DuplicateKind.EXACT ? 'exact' : 'near');
      } else if (record.topic === this.topics.seqsPacked || record.topic === this.topics.seqsReplay) c.sequences++;
    }
  }

  /** A copy of the counts so far. */
  totals(): StageTotals {
    const c = this.counts;
    return { ...c, rejectedByRule: { ...c.rejectedByRule }, duplicatesByKind: { ...c.duplicatesByKind } };
  }

  /** One line: consumed, kept, rejected (top rules), duplicates, dead letters, sequences, lag. */
  summaryLine(lag?: number): string {
    const c = this.counts;
    const parts = [`consumed ${n(c.consumed)}`, `kept ${n(c.kept)}`, `rejected ${n(c.rejected)}${topRules(c.rejectedByRule)}`];
    parts.push(`duplicates ${n(c.duplicates)}${c.duplicates ? ` (${Object.entries(c.duplicatesByKind).map(([k, v]) => `${k} ${n(v)}`).join(', ')})` : ''}`);
    parts.push(`dead letters ${n(c.deadLetters)}`);
    if (c.sequences) parts.push(`sequences ${n(c.sequences)}`);
    if (lag !== undefined) parts.push(`lag ${n(lag)}`);
    return `${this.stage}: ${parts.join(' | ')}`;
  }

  /** A warning when most decided documents were rejected, naming the rule that rejected most; else undefined. */
  mostlyRejectedWarning(): string | undefined {
    const c = this.counts;
    const decided = c.kept + c.rejected + c.duplicates;
    if (decided < MOSTLY_REJECTED_MIN_DOCUMENTS || c.rejected <= decided * MOSTLY_REJECTED_SHARE) return undefined;
    const [rule, count] = Object.entries(c.rejectedByRule).sort((a, b) => b[1] - a[1])[0]!;
    return (
      `${this.stage} rejected ${percent(c.rejected / decided)} of ${n(decided)} documents (most by ${rule}: ${percent(count / decided)}); ` +
      'check that the filters suit this corpus (stages.qualityFilter.filters)'
    );
  }
}

function emptyTotals(): StageTotals {
  return { consumed: 0, kept: 0, rejected: 0, rejectedByRule: {}, duplicates: 0, duplicatesByKind: {}, deadLetters: 0, sequences: 0 };
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** The three rules that rejected most, e.g. " (gopher_repetition/top_2_gram 812, c4/c4_lines 90, +2 more)". */
function topRules(byRule: Record<string, number>): string {
  const sorted = Object.entries(byRule).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (!sorted.length) return '';
  const shown = sorted.slice(0, 3).map(([rule, count]) => `${rule} ${n(count)}`);
  if (sorted.length > 3) shown.push(`+${sorted.length - 3} more`);
  return ` (${shown.join(', ')})`;
}

const n = (value: number) => value.toLocaleString('en-US');
const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

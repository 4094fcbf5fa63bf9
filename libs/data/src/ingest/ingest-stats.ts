// Per-source accounting: every record read is ok, malformed with a reason, or filtered by the reader's
// own filter (minIntScore), so read = ok + malformed + filtered.
import { IngestItem, RejectReason } from './ingest-item';

export interface SourceCounts {
  read: number;
  ok: number;
  malformed: Partial<Record<RejectReason, number>>;
  /** Well-formed rows the reader's filter did not keep (ReaderOptions.minIntScore); present once there is one. */
  filtered?: number;
}

export class IngestStats {
  private readonly bySource = new Map<string, SourceCounts>();

  record(source: string, item: IngestItem): void {
    const counts = this.countsFor(source);
    counts.read++;
    if (item.kind === 'document') {
      counts.ok++;
    } else if (item.kind === 'filtered') {
      counts.filtered = (counts.filtered ?? 0) + 1;
    } else {
      const reason = item.rejected.reason;
      counts.malformed[reason] = (counts.malformed[reason] ?? 0) + 1;
    }
  }

  /** Registers a source with zero counts, so an empty file still shows up in the report. */
  countsFor(source: string): SourceCounts {
    let counts = this.bySource.get(source);
    if (!counts) {
      counts = { read: 0, ok: 0, malformed: {} };
      this.bySource.set(source, counts);
    }
    return counts;
  }

  sources(): Record<string, SourceCounts> {
    return Object.fromEntries([...this.bySource].map(([source, counts]) => [source, cloneCounts(counts)]));
  }

  total(): SourceCounts {
    const total: SourceCounts = { read: 0, ok: 0, malformed: {} };
    for (const counts of this.bySource.values()) {
      total.read += counts.read;
      total.ok += counts.ok;
      if (counts.filtered) total.filtered = (total.filtered ?? 0) + counts.filtered;
      for (const [reason, n] of Object.entries(counts.malformed) as [RejectReason, number][]) {
        total.malformed[reason] = (total.malformed[reason] ?? 0) + n;
      }
    }
    return total;
  }

  malformedTotal(): number {
    const total = this.total();
    return total.read - total.ok - (total.filtered ?? 0);
  }

  toJSON(): { total: SourceCounts; sources: Record<string, SourceCounts> } {
    return { total: this.total(), sources: this.sources() };
  }
}

function cloneCounts(counts: SourceCounts): SourceCounts {
  const clone: SourceCounts = { read: counts.read, ok: counts.ok, malformed: { ...counts.malformed } };
  if (counts.filtered) clone.filtered = counts.filtered;
  return clone;
}

// Progress for long ingests: one line rewritten in place on a terminal, periodic log lines otherwise
// (so CI logs and `docker logs` stay readable).
import { IngestProgress } from './open-source';

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressReporterOptions {
  out: ProgressOutput;
  label?: string;
  /** Minimum time between renders; defaults to 200 ms on a terminal and 10 s in logs. */
  intervalMs?: number;
  now?: () => number;
}

export class ProgressReporter {
  private readonly out: ProgressOutput;
  private readonly tty: boolean;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly label: string;
  private readonly startedAt: number;
  private lastRenderAt = -Infinity;
  private lastLineLength = 0;

  constructor(options: ProgressReporterOptions) {
    this.out = options.out;
    this.tty = options.out.isTTY === true;
    this.intervalMs = options.intervalMs ?? (this.tty ? 200 : 10_000);
    this.now = options.now ?? (() => Date.now());
    this.label = options.label ?? 'ingest';
    this.startedAt = this.now();
  }

  /** Cheap to call per document: renders only when the interval has passed. */
  update(progress: IngestProgress): void {
    const now = this.now();
    if (now - this.lastRenderAt < this.intervalMs) return;
    this.lastRenderAt = now;
    this.render(progress, now);
  }

  /** Renders the final state and ends the terminal line. */
  finish(progress: IngestProgress): void {
    this.render(progress, this.now());
    if (this.tty) this.out.write('\n');
  }

  private render(progress: IngestProgress, now: number): void {
    const line = `${this.label}: ${formatProgress(progress, now - this.startedAt)}`;
    if (this.tty) {
      // \r returns to column 0; padding erases what a longer previous line left behind.
      this.out.write('\r' + line + ' '.repeat(Math.max(0, this.lastLineLength - line.length)));
      this.lastLineLength = line.length;
    } else {
      this.out.write(line + '\n');
    }
  }
}

/** "12.0 MiB / 48.0 MiB (25.0%) | 1,200 docs, 3 rejected | 400 docs/s | ETA 0:09" */
export function formatProgress(progress: IngestProgress, elapsedMs: number): string {
  const seconds = elapsedMs / 1000;
  const parts: string[] = [];
  if (progress.bytesTotal !== undefined && progress.bytesTotal > 0) {
    const fraction = Math.min(1, progress.bytesRead / progress.bytesTotal);
    parts.push(`${formatBytes(progress.bytesRead)} / ${formatBytes(progress.bytesTotal)} (${(fraction * 100).toFixed(1)}%)`);
  } else {
    parts.push(formatBytes(progress.bytesRead));
  }
  parts.push(`${progress.documents.toLocaleString('en-US')} docs, ${progress.rejected.toLocaleString('en-US')} rejected`);
  const rate = seconds > 0 ? progress.documents / seconds : 0;
  parts.push(`${Math.round(rate).toLocaleString('en-US')} docs/s`);
  if (progress.bytesTotal !== undefined && progress.bytesRead > 0 && seconds > 0) {
    const bytesPerSecond = progress.bytesRead / seconds;
    const remaining = Math.max(0, progress.bytesTotal - progress.bytesRead) / bytesPerSecond;
    parts.push(`ETA ${formatDuration(remaining)}`);
  }
  return parts.join(' | ');
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(totalSeconds: number): string {
  const s = Math.round(totalSeconds);
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = s % 60;
  const mm = hours > 0 ? String(minutes).padStart(2, '0') : String(minutes);
  return `${hours > 0 ? `${hours}:` : ''}${mm}:${String(seconds).padStart(2, '0')}`;
}

// The periodic summary every stage service logs: one line every `everyMs` while anything changed (or
// records are waiting), and a warning when most documents are being rejected.
import type { StageAccounting } from '@cptflow/data';

export interface StageSummaryOptions {
  accounting: StageAccounting;
  everyMs: number;
  /** Records waiting on the stage's partitions (the transport's lag), when known. */
  lag?: () => number;
  log: (line: string) => void;
  warn: (line: string) => void;
}

export interface StageSummaries {
  /** Logs the current line now (also used at shutdown). */
  logNow(): void;
  stop(): void;
}

export function startStageSummaries(o: StageSummaryOptions): StageSummaries {
  let last = '';
  const logNow = () => {
    const lag = o.lag?.();
    const line = o.accounting.summaryLine(lag);
    if (line === last && !lag) return; // an idle stage does not repeat itself
    last = line;
    o.log(line);
    const warning = o.accounting.mostlyRejectedWarning();
    if (warning) o.warn(warning);
  };
  const timer = setInterval(logNow, o.everyMs);
  timer.unref();
  return { logNow, stop: () => clearInterval(timer) };
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatDuration, formatProgress, ProgressReporter } from './progress-reporter';

test('progress line: bytes and percentage, docs, docs/s and an ETA from the byte rate', () => {
  const line = formatProgress({ bytesRead: 12 * 1024 * 1024, bytesTotal: 48 * 1024 * 1024, documents: 1200, rejected: 3 }, 3000);
  // 12 MiB in 3 s is 4 MiB/s, so the remaining 36 MiB take 9 s.
  assert.equal(line, '12.0 MiB / 48.0 MiB (25.0%) | 1,200 docs, 3 rejected | 400 docs/s | ETA 0:09');
  assert.equal(formatProgress({ bytesRead: 512, documents: 0, rejected: 0 }, 0), '512 B | 0 docs, 0 rejected | 0 docs/s');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatDuration(3725), '1:02:05');
});

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { out: { isTTY, write: (s: string) => writes.push(s) }, writes };
}

test('on a terminal the reporter rewrites one line in place and ends it on finish', () => {
  let now = 0;
  const { out, writes } = sink(true);
  const reporter = new ProgressReporter({ out, label: 'shard', now: () => now, intervalMs: 100 });
  reporter.update({ bytesRead: 10, bytesTotal: 100, documents: 1, rejected: 0 });
  now = 50;
  reporter.update({ bytesRead: 20, bytesTotal: 100, documents: 2, rejected: 0 }); // throttled
  now = 150;
  reporter.update({ bytesRead: 30, bytesTotal: 100, documents: 3, rejected: 0 });
  reporter.finish({ bytesRead: 100, bytesTotal: 100, documents: 9, rejected: 1 });
  assert.equal(writes.length, 4);
  assert.ok(writes.slice(0, 3).every((w) => w.startsWith('\rshard: ') && !w.includes('\n')));
  assert.match(writes[2]!, /100\.0%\) \| 9 docs, 1 rejected/);
  assert.equal(writes[3], '\n');
});

test('off a terminal the reporter writes whole log lines, at most one per interval', () => {
  let now = 0;
  const { out, writes } = sink(false);
  const reporter = new ProgressReporter({ out, now: () => now });
  for (let t = 0; t <= 25_000; t += 1000) {
    now = t;
    reporter.update({ bytesRead: t, bytesTotal: 50_000, documents: t / 10, rejected: 0 });
  }
  // Default interval off a terminal is 10 s: renders at 0, 10 s and 20 s.
  assert.equal(writes.length, 3);
  assert.ok(writes.every((w) => w.startsWith('ingest: ') && w.endsWith('\n') && !w.includes('\r')));
});

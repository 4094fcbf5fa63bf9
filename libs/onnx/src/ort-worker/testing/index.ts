// Test scaffolding for libs/onnx/src/ort-worker and its users: how long the event loop stalls while work runs,
// the property the worker thread exists for. For tests and benchmarks only.

/** Largest gap between ticks of a 5 ms interval while `work` runs, and the work's duration. */
export async function tickGapsDuring(work: () => Promise<unknown>): Promise<{ maxGapMs: number; ticks: number; workMs: number }> {
  let last = performance.now();
  let maxGapMs = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    ticks++;
  }, 5);
  const started = performance.now();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return { maxGapMs: Math.max(maxGapMs, performance.now() - last), ticks, workMs: performance.now() - started };
}

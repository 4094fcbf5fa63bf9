// The evaluator's per-token log-probability (libs/evaluation scoring-graph.ts scoredLogprobs), its
// three methods on the same logits in one process: `blocked` (the default: float32 exponentials,
// 128-entry float32 block sums, float64 across blocks), `float64` (the default before it: a float64
// log-softmax) and `float32` (a float32 log-softmax). Per method: milliseconds per 1,000 scored
// tokens (median of --reps runs, the methods interleaved so a noisy machine slows each alike) and the
// largest and mean error per token against a float64 log-softmax computed here in plain JS.
//
//   npm run build && node dist/bench/scored-logprobs.js [--rows 4096] [--vocab 32000] [--reps 5]
//        [--threads 2] [--out bench/results/scored-logprobs.json]
//
// Logits are spread like a trained model's (N(0, 4), the target ~6 above the crowd), drawn as the
// precision test draws them (@cptflow/evaluation/testing). Held-out perplexity scores every token of a document, so this head is most of its
// cost for a small model with the LLaMA-2 vocabulary.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createSession, GraphBuilder, ortTensor, run } from '@cptflow/onnx';
import { LogprobMethod, scoredLogprobs } from '@cptflow/evaluation';
import { float64Logprobs, trainedLikeLogits } from '@cptflow/evaluation/testing';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const ROWS = Number(arg('rows', '4096'));
const VOCAB = Number(arg('vocab', '32000'));
const REPS = Number(arg('reps', '5'));
const THREADS = Number(arg('threads', '2'));
const OUT = arg('out', path.join(__dirname, '..', '..', 'bench', 'results', 'scored-logprobs.json'));
const METHODS: LogprobMethod[] = ['blocked', 'float64', 'float32'];

function graphFor(method: LogprobMethod): Uint8Array {
  const g = new GraphBuilder(`scored_logprobs_${method}`);
  const x = g.input('logits', 'float32', ['scored', VOCAB]);
  const t = g.input('targets', 'int64', ['scored', 1]);
  g.output(scoredLogprobs(x, t, method), 'logprob');
  return g.toBytes();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const targets = Array.from({ length: ROWS }, (_, i) => (i * 7_919) % VOCAB);
  const logits = trainedLikeLogits(targets, VOCAB, 7);
  const reference = float64Logprobs(logits, targets, VOCAB);
  const feeds = {
    logits: ortTensor('float32', logits, [ROWS, VOCAB]),
    targets: ortTensor('int64', BigInt64Array.from(targets.map(BigInt)), [ROWS, 1]),
  };
  const sessions = new Map(await Promise.all(METHODS.map(async (m) => [m, await createSession(graphFor(m), { intraOpThreads: THREADS })] as const)));
  const times = new Map<LogprobMethod, number[]>(METHODS.map((m) => [m, []]));
  const errors = new Map<LogprobMethod, { worst: number; mean: number }>();
  try {
    for (let rep = -1; rep < REPS; rep++) {
      for (const method of METHODS) {
        const started = performance.now();
        const out = await run(sessions.get(method)!, feeds);
        const ms = performance.now() - started;
        if (rep < 0) {
          // the warm-up run: its output is the one checked
          const values = out.logprob.data as Float64Array | Float32Array;
          let worst = 0;
          let sum = 0;
          values.forEach((v, i) => {
            worst = Math.max(worst, Math.abs(v - reference[i]));
            sum += v - reference[i];
          });
          errors.set(method, { worst, mean: sum / ROWS });
        } else times.get(method)!.push(ms);
      }
    }
  } finally {
    for (const s of sessions.values()) await s.release();
  }
  const perThousand = (m: LogprobMethod) => (median(times.get(m)!) / ROWS) * 1000;
  const result = {
    command: `node dist/bench/scored-logprobs.js --rows ${ROWS} --vocab ${VOCAB} --reps ${REPS} --threads ${THREADS}`,
    rows: ROWS,
    vocab: VOCAB,
    threads: THREADS,
    methods: Object.fromEntries(
      METHODS.map((m) => [m, { ms_per_1k_tokens: perThousand(m), runs_ms: times.get(m), worst_error_per_token: errors.get(m)!.worst, mean_error_per_token: errors.get(m)!.mean }]),
    ),
    blocked_speedup_over_float64: perThousand('float64') / perThousand('blocked'),
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  console.log('method   ms / 1k tokens   worst |error| per token   mean error per token');
  for (const m of METHODS) {
    const e = errors.get(m)!;
    console.log(`${m.padEnd(8)} ${perThousand(m).toFixed(1).padStart(14)}   ${e.worst.toExponential(2).padStart(23)}   ${e.mean.toExponential(2).padStart(20)}`);
  }
  console.log(`blocked is ${result.blocked_speedup_over_float64.toFixed(2)}x as fast as float64; ${OUT}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

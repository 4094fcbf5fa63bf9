// How long the model scorer blocks the service thread's event loop while it scores a batch, with ONNX
// Runtime on the service thread ('in-process') and in a worker thread ('worker', the default).
// onnxruntime-node's run() is synchronous underneath (its promise only defers the call), so in-process
// a batch stalls Kafka heartbeats and health checks for its whole run time. Not a test.
//
// The model is a stand-in for a BERT classifier's cost, built here with libs/onnx/src/onnx-graph (nothing
// downloaded): LLaMA-2 vocabulary embedding (dim 384), two MLP blocks (384 -> 1536 -> 384, SiLU),
// masked mean pooling, a linear head to logits [batch, 1]. Texts: Debian's licence texts cut into
// ~600-word documents, so every document is truncated to maxLength tokens.
// Run: npm run build && node dist/bench/scorer-event-loop.js [documents=32] [batchSize=8] [model.onnx tokenizer.json]
// With a model and tokenizer given (e.g. a user's FineWeb-Edu export, or a random-weight bert-base
// export for its cost), that model is measured instead of the stand-in.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { add, cast, div, gather, GraphBuilder, matmul, mul, reduceSum, silu, unsqueeze } from '@cptflow/onnx';
import { OnnxTextClassifierScorer, type ScorerBackend, defaultTokenizerPath } from '@cptflow/data';

const VOCAB = 32000;
const HIDDEN = 384;
const FFN = 1536;

function randomWeights(n: number, scale: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * scale;
  }
  return out;
}

function buildEncoderLikeClassifier(): Uint8Array {
  const g = new GraphBuilder('encoder_like_classifier');
  const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'seq']);
  let h = gather(g.constant('float32', [VOCAB, HIDDEN], randomWeights(VOCAB * HIDDEN, 0.1, 1)), ids); // [b, s, H]
  for (let layer = 0; layer < 2; layer++) {
    const up = g.constant('float32', [HIDDEN, FFN], randomWeights(HIDDEN * FFN, 0.1, 10 + layer));
    const down = g.constant('float32', [FFN, HIDDEN], randomWeights(FFN * HIDDEN, 0.05, 20 + layer));
    h = add(h, matmul(silu(matmul(h, up)), down));
  }
  const maskF = unsqueeze(cast(mask, 'float32'), [2]);
  const pooled = div(reduceSum(mul(h, maskF), [1]), reduceSum(maskF, [1])); // [b, H]
  g.output(matmul(pooled, g.constant('float32', [HIDDEN, 1], randomWeights(HIDDEN, 1, 3))), 'logits');
  return g.toBytes();
}

function documents(count: number): string[] {
  const dir = '/usr/share/common-licenses';
  const words = fs
    .readdirSync(dir)
    .sort()
    .filter((f) => fs.statSync(`${dir}/${f}`).isFile())
    .flatMap((f) => fs.readFileSync(`${dir}/${f}`, 'utf8').split(/\s+/));
  return Array.from({ length: count }, (_, i) => words.slice((i * 600) % (words.length - 600), ((i * 600) % (words.length - 600)) + 600).join(' '));
}

async function measure(backend: ScorerBackend, modelPath: string, tokenizerPath: string, texts: string[], batchSize: number) {
  const scorer = await OnnxTextClassifierScorer.open({ modelPath, tokenizerPath, batchSize, backend, intraOpThreads: 2 });
  await scorer.score(texts.slice(0, batchSize)); // warm-up
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const started = performance.now();
  const scores = await scorer.score(texts);
  const wallMs = performance.now() - started;
  delay.disable();
  await scorer.close();
  return {
    backend,
    documents: texts.length,
    batchSize,
    wallMs: Math.round(wallMs),
    docsPerS: Math.round((texts.length / wallMs) * 1000 * 10) / 10,
    // monitorEventLoopDelay reports how late its 5 ms timer fired (ns); max is the longest stall.
    eventLoopDelayMaxMs: Math.round(delay.max / 1e5) / 10,
    eventLoopDelayP99Ms: Math.round(delay.percentile(99) / 1e5) / 10,
    firstScore: scores[0],
  };
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 32);
  const batchSize = Number(process.argv[3] ?? 8);
  const [userModel, userTokenizer] = process.argv.slice(4);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-scorer-bench-'));
  try {
    let modelPath = userModel;
    if (!modelPath) {
      modelPath = path.join(dir, 'model.onnx');
      fs.writeFileSync(modelPath, buildEncoderLikeClassifier());
    }
    const tokenizerPath = userTokenizer ?? defaultTokenizerPath();
    const texts = documents(count);
    const results = [await measure('in-process', modelPath, tokenizerPath, texts, batchSize), await measure('worker', modelPath, tokenizerPath, texts, batchSize)];
    const model = userModel ? `${userModel} (${tokenizerPath}), maxLength 512` : `stand-in: embedding ${VOCAB}x${HIDDEN} + 2 MLP blocks ${HIDDEN}->${FFN}, maxLength 512`;
    const report = { model, cpus: os.cpus().length, results };
    console.log(JSON.stringify(report, null, 2));
    fs.mkdirSync('bench/results', { recursive: true });
    fs.writeFileSync(userModel ? 'bench/results/scorer-event-loop-user-model.json' : 'bench/results/scorer-event-loop.json', JSON.stringify(report, null, 2) + '\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

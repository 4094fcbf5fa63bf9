// Replay against forgetting, small and honest: a tiny LLaMA (LLaMA-2 vocabulary) is first trained
// on general English (Austen + KJV, data/corpora/general) to stand in for a pre-trained base model,
// saved as a Hugging Face directory, then continued on the domain stream (Python docs) by the
// ContinuousTrainer with replay of general text at several fractions. Same domain stream, same
// seeds; what differs is only the replay fraction. Reports held-out loss on both corpora.
//
//   npm run build && node dist/bench/replay-experiment.js [--cpt-steps 80] [--fractions 0,0.05,0.25]
//
// Writes bench/results/replay.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LlamaTrainer,
  parameterShapes,
  initParameters,
  LlamaConfig,
  toHfConfigJson,
  SafetensorsModel,
} from '@cptflow/model';
import { ContinuousTrainer, microBatchOf, writeHfExport } from '@cptflow/training';
import {
  HeldOutEvaluator,
  corpusSequences,
  llama2Tokenizer,
  recordsOf,
  rowsOf,
  TINY_LLAMA2,
  testBus,
} from '@cptflow/training/testing';

const argv = process.argv;
const arg = (name: string, fallback: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const MODEL: LlamaConfig = { ...TINY_LLAMA2, hiddenSize: 64, headDim: 16, intermediateSize: 128 };
const SEQ = 64;
const ROWS = 4;
const MICRO = 2;
const ROWS_PER_STEP = ROWS * MICRO;
const adamw = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };
const shapes = new Map(parameterShapes(MODEL).map((p) => [p.name, p.shape] as const));

async function main(): Promise<void> {
  const pretrainSteps = Number(arg('--pretrain-steps', '150'));
  const cptSteps = Number(arg('--cpt-steps', '80'));
  const fractions = arg('--fractions', '0,0.05,0.25').split(',').map(Number);
  const work = mkdtempSync(join(tmpdir(), 'cpt-replay-'));

  const general = await corpusSequences('general', SEQ, pretrainSteps * ROWS_PER_STEP + 400, 1700);
  const generalPretrain = rowsOf(general.slice(0, pretrainSteps * ROWS_PER_STEP), SEQ);
  const generalReplay = rowsOf(general.slice(pretrainSteps * ROWS_PER_STEP), SEQ); // not seen in pre-training
  const domain = await corpusSequences('domain', SEQ, cptSteps * ROWS_PER_STEP, 1400);
  const heldGeneral = rowsOf(await corpusSequences('general.heldout', SEQ, 64, 190), SEQ);
  const heldDomain = rowsOf(await corpusSequences('domain.heldout', SEQ, 64, 160), SEQ);
  const evaluator = await HeldOutEvaluator.create(MODEL);
  const evaluate = async (params: ReadonlyMap<string, Float32Array>) => ({
    general: await evaluator.meanLoss(params, shapes, heldGeneral),
    domain: await evaluator.meanLoss(params, shapes, heldDomain),
  });

  // 1. The "base model": general text only.
  const pre = await LlamaTrainer.create(MODEL, initParameters(MODEL, 11), { batch: ROWS, seq: SEQ, documentMask: true, recomputeLayers: false, adamw, maxGradNorm: 1 });
  for (let s = 0; s < pretrainSteps; s++) {
    const rows = generalPretrain.slice(s * ROWS_PER_STEP, (s + 1) * ROWS_PER_STEP);
    await pre.trainStep([microBatchOf(rows.slice(0, ROWS)), microBatchOf(rows.slice(ROWS))], 3e-3);
  }
  const baseParams = new Map(pre.params);
  await pre.release();
  const baseDir = (await writeHfExport(join(work, 'base'), toHfConfigJson(MODEL), baseParams, llama2Tokenizer().tokenizerPath)).dir;
  const base = await evaluate(baseParams);
  console.log(`base model: held-out general ${base.general.toFixed(3)}, domain ${base.domain.toFixed(3)}`);

  // 2. Continued pre-training on the domain stream, replay fraction varied.
  const runs = [];
  for (const fraction of fractions) {
    const bus = testBus();
    await bus.ensureTopics(['cpt.seqs.packed'], 1);
    await bus.publish(recordsOf('cpt.seqs.packed', domain));
    const dir = join(work, `cpt-${fraction}`);
    const tok = llama2Tokenizer();
    const trainer = new ContinuousTrainer({
      run: `replay-${fraction}`,
      bus,
      topics: { sequences: 'cpt.seqs.packed', checkpoints: 'cpt.checkpoints' },
      model: { kind: 'base', dir: baseDir },
      tokenizer: { path: tok.tokenizerPath, id: tok.tokenizerId },
      batchRows: ROWS,
      seqLen: SEQ,
      tokensPerStep: ROWS_PER_STEP * SEQ,
      adamw,
      maxGradNorm: 1,
      schedule: { kind: 'constant', peakLr: 2e-3, warmupSteps: 5 },
      replay: fraction > 0 ? { fraction, source: { kind: 'corpus', rows: generalReplay, seed: 5 } } : undefined,
      checkpoint: { dir, keepLast: 1, maxShardBytes: 16 << 20, memoryBudgetBytes: 256 << 20 },
      session: { intraOpThreads: 1 },
    });
    await trainer.start();
    // The whole domain stream, whatever the replay fraction: train until it is drained (the last
    // partial step, short of rows, is left untrained).
    const drained = () => trainer.status.phase === 'waiting-for-data' && trainer.status.domainRows > domain.length - ROWS_PER_STEP;
    while (!drained() && trainer.status.phase !== 'failed') await new Promise((r) => setTimeout(r, 20));
    await trainer.stop();
    await bus.close();
    const exported = await SafetensorsModel.open(join(trainer.status.lastCheckpoint!.dir, 'hf'));
    const params = new Map<string, Float32Array>();
    for (const name of exported.names()) params.set(name, await exported.readFloat32(name));
    await exported.close();
    const after = await evaluate(params);
    const run = {
      replayFraction: fraction,
      steps: trainer.status.step,
      tokensSeen: trainer.status.tokensSeen,
      domainRows: trainer.status.domainRows,
      replayRows: trainer.status.replayRows,
      heldOutGeneralLoss: after.general,
      heldOutDomainLoss: after.domain,
      generalLossRise: after.general - base.general,
      domainLossDrop: base.domain - after.domain,
    };
    console.log(JSON.stringify(run));
    runs.push(run);
  }
  await evaluator.release();
  rmSync(work, { recursive: true, force: true });
  const result = {
    command: `node dist/bench/replay-experiment.js ${argv.slice(2).join(' ')}`.trim(),
    at: new Date().toISOString(),
    setup: {
      model: { hiddenSize: MODEL.hiddenSize, numLayers: MODEL.numLayers, vocabSize: MODEL.vocabSize, seqLen: SEQ },
      pretrainOnGeneral: { steps: pretrainSteps, tokens: pretrainSteps * ROWS_PER_STEP * SEQ, lr: 3e-3 },
      cpt: { steps: cptSteps, tokensPerStep: ROWS_PER_STEP * SEQ, lr: 2e-3, domainStream: `first ${domain.length} sequences of data/corpora/domain` },
      heldOut: '64 sequences each of general.heldout and domain.heldout',
    },
    base,
    runs,
  };
  mkdirSync(join(__dirname, '..', '..', 'bench', 'results'), { recursive: true });
  writeFileSync(join(__dirname, '..', '..', 'bench', 'results', 'replay.json'), JSON.stringify(result, null, 2) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

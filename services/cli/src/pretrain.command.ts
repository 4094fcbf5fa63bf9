// `cptflow pretrain`: makes the small base model `cptflow run` continues from, with cptflow itself:
// the bundled general corpus through the pipeline, then training from random weights on the in-process
// bus. The shipped data/models/cptflow-tiny-base was made by exactly this command (see its README).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { loadConfig, createBus } from '@cptflow/platform';
import { LocalPipeline, trainLocally } from '@cptflow/local-run';
import { loadHfModel, PRESETS, saveHfModel } from '@cptflow/model';
import { BUNDLED_CORPORA, checkCorpusPaths, parseNumber, parseTokenCount, UsageError } from './run-options';

interface PretrainOptions {
  corpus: string[];
  out: string;
  preset: string;
  tokens: string;
  seqLen: string;
  lr: string;
  seed: string;
}

export function pretrainCommand(): Command {
  return new Command('pretrain')
    .description('pretrain a small base model from random weights (what `cptflow run` ships as its base)')
    .option('--corpus <paths...>', 'text to pretrain on', [path.join(BUNDLED_CORPORA, 'general.jsonl.gz')])
    .option('--out <dir>', 'where the HF model directory goes', 'data/models/cptflow-tiny-base')
    .option('--preset <name>', `architecture (${Object.keys(PRESETS).join(', ')})`, 'cptflow-tiny')
    .option('--tokens <n>', 'token budget (e.g. 1.5M)', '1.5M')
    .option('--seq-len <n>', 'tokens per packed sequence', '256')
    .option('--lr <x>', 'peak learning rate (warmup, then cosine to 10%)', '3e-3')
    .option('--seed <n>', 'random initialisation seed', '1234')
    .action(async (o: PretrainOptions, command: Command) => {
      const config = PRESETS[o.preset];
      if (!config) throw new UsageError(`--preset: unknown preset ${o.preset}; known: ${Object.keys(PRESETS).join(', ')}`);
      const seqLen = parseNumber('--seq-len', o.seqLen, { integer: true, atLeast: 8 }, 'a whole number >= 8');
      const maxTokens = parseTokenCount(o.tokens, '--tokens');
      const peakLr = parseNumber('--lr', o.lr, { above: 0 }, 'a positive number, e.g. 3e-3');
      const seed = parseNumber('--seed', o.seed, { integer: true, atLeast: 0 }, 'a whole number >= 0');
      await checkCorpusPaths('--corpus', o.corpus);
      checkOutFolder(o.out);
      const work = fs.mkdtempSync(path.join(path.dirname(path.resolve(o.out)), '.pretrain-'));
      const settings = loadConfig({ file: command.parent?.opts().config, overrides: { bus: { kind: 'memory' }, stages: { packer: { seqLen } } } });
      const bus = createBus(settings.bus);
      try {
        const pipeline = await LocalPipeline.start({ config: settings, bus, progress: process.stderr });
        for (const p of o.corpus) await pipeline.ingest({ path: p, corpus: 'domain' });
        const counts = await pipeline.settle();
        console.log(`pretraining corpus: ${counts.unique} documents, ${counts.sequences} sequences of ${seqLen} tokens`);
        const batchRows = 8;
        const tokensPerStep = batchRows * seqLen;
        const totalSteps = Math.ceil(maxTokens / tokensPerStep);
        const result = await trainLocally({
          run: 'pretrain',
          bus,
          topics: settings.topics,
          model: { kind: 'random', config, seed },
          tokenizer: pipeline.tokenizer,
          seqLen,
          batchRows,
          tokensPerStep,
          schedule: { kind: 'cosine', peakLr, warmupSteps: Math.min(100, Math.ceil(totalSteps / 10)), totalSteps, minLrRatio: 0.1 },
          checkpointDir: path.join(work, 'checkpoints'),
          checkpointEveryTokens: maxTokens * 10,
          maxTokens,
          log: (line) => console.error(`[pretrain] ${line}`),
        });
        await pipeline.stop();
        const last = result.status.lastCheckpoint;
        if (!last) throw new Error('pretraining produced no checkpoint');
        const trained = await loadHfModel(last.hfDir);
        fs.rmSync(o.out, { recursive: true, force: true });
        await saveHfModel(o.out, trained.config, trained.weights, { dtype: 'F16' });
        for (const file of ['tokenizer.json', 'tokenizer_config.json']) {
          const from = path.join(last.hfDir, file);
          if (fs.existsSync(from)) fs.copyFileSync(from, path.join(o.out, file));
        }
        const first = result.lossCurve[0]?.[1];
        console.log(`pretrained ${result.status.tokensSeen} tokens in ${result.seconds.toFixed(0)} s: loss ${first?.toFixed(3)} -> ${result.status.loss?.toFixed(3)}; saved to ${o.out}`);
      } finally {
        await bus.close();
        fs.rmSync(work, { recursive: true, force: true });
      }
    });
}

/**
 * The model replaces whatever is at --out, so --out must be a model directory (or nothing yet): a
 * mistyped `--out .` or `--out ~` must never be emptied.
 */
function checkOutFolder(out: string): void {
  const parent = path.dirname(path.resolve(out));
  if (!fs.existsSync(parent)) throw new UsageError(`--out: the folder ${parent} does not exist`);
  if (!fs.existsSync(out)) return;
  if (!fs.statSync(out).isDirectory()) throw new UsageError(`--out: ${out} exists and is not a folder`);
  if (fs.readdirSync(out).length > 0 && !fs.existsSync(path.join(out, 'config.json'))) {
    throw new UsageError(`--out: ${out} is a folder that is not a model directory (no config.json); it would be replaced, so name a new or model folder`);
  }
}

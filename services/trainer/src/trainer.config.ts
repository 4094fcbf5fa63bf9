// The trainer's section of the cptflow configuration (`stages.trainer`, schema in libs/training/src/trainer), validated
// at start with errors that name the field, and turned into ContinuousTrainer options. Amounts of training are
// given in tokens (what people plan in) and converted to optimizer steps here.
import { join } from 'node:path';
import { JsonlFileError } from '@cptflow/pycompat';
import {
  ConfigError,
  parseOrExplain,
  requireDirectory,
  requireFile,
  requireWritableDirectory,
  type TopicsConfig,
  type Bus,
} from '@cptflow/platform';
import { PRESETS } from '@cptflow/model';
import { checkTokenizerFitsModel, defaultTokenizerPath, DocumentTokenizer, loadModelTokenizer, TokenizerMismatchError, vocabularyMismatch } from '@cptflow/data';
import {
  type Schedule,
  encodePackedSequence,
  packDocuments,
  readJsonlDocuments,
  rowFromRecord,
  trainerSettingsSchema,
  type ContinuousTrainerOptions,
  type EngineFactory,
  type ReplaySource,
  type TrainerSettings,
} from '@cptflow/training';
import { checkTorchEnvironment, torchEngine, type TorchSettings } from '@cptflow/torch-engine';

/**
 * The local replay corpus packed with the trainer's tokenizer. A file that cannot be read (cut short,
 * not gzip, not UTF-8, a line without text) or holds too little text for one sequence is exit 2
 * naming the setting, not a zlib error at start.
 */
async function replaySequences(tokenizer: DocumentTokenizer, c: TrainerSettings) {
  const setting = 'stages.trainer.replay.corpusPath';
  const path = c.replay!.corpusPath!;
  let documents;
  try {
    documents = readJsonlDocuments(path);
  } catch (err) {
    if (err instanceof JsonlFileError) throw new ConfigError(`${setting}: ${err.message}`);
    throw err;
  }
  const sequences = await packDocuments(tokenizer, documents, { seqLen: c.seqLen, maxSequences: c.replay!.maxSequences, corpus: 'replay' });
  if (sequences.length === 0) throw new ConfigError(`${setting}: ${path}: too little text for one replay sequence of ${c.seqLen} tokens`);
  return sequences;
}

/** The trainer section of a loaded config, with TRAINER_API_TOKEN folded in. */
export function parseTrainerConfig(section: unknown, env: NodeJS.ProcessEnv = process.env): TrainerSettings {
  const raw = { ...((section as Record<string, unknown> | undefined) ?? {}) };
  if (env.TRAINER_API_TOKEN && raw.apiTokens === undefined) raw.apiTokens = env.TRAINER_API_TOKEN.split(',').map((t) => t.trim());
  return parseOrExplain(trainerSettingsSchema, raw, 'stages.trainer config');
}

/**
 * The files and folders the section names, checked before anything is loaded: a missing base model or
 * tokenizer is exit 2 naming the setting, and a checkpoint folder that cannot be written (or lies
 * under /proc) fails now rather than at the first save.
 */
export function checkTrainerPaths(c: TrainerSettings): void {
  if (c.model.baseDir !== undefined) {
    requireDirectory(c.model.baseDir, 'stages.trainer.model.baseDir');
    if (c.tokenizerPath === undefined) requireFile(join(c.model.baseDir, 'tokenizer.json'), 'stages.trainer.model.baseDir (its tokenizer.json)');
  }
  if (c.tokenizerPath !== undefined) requireFile(c.tokenizerPath, 'stages.trainer.tokenizerPath');
  if (c.replay?.corpusPath !== undefined) requireFile(c.replay.corpusPath, 'stages.trainer.replay.corpusPath');
  requireWritableDirectory(c.checkpoint.dir, 'stages.trainer.checkpoint.dir');
  if (c.checkpoint.offloadDir !== undefined) requireWritableDirectory(c.checkpoint.offloadDir, 'stages.trainer.checkpoint.offloadDir');
}

export function scheduleOf(c: TrainerSettings): Schedule {
  const steps = (tokens: number) => Math.ceil(tokens / c.tokensPerStep);
  const s = c.schedule;
  if (s.kind === 'constant') return { kind: 'constant', peakLr: s.peakLr, warmupSteps: steps(s.warmupTokens) };
  if (s.kind === 'cosine') return { kind: 'cosine', peakLr: s.peakLr, warmupSteps: steps(s.warmupTokens), totalSteps: steps(s.totalTokens!), minLrRatio: s.minLrRatio };
  return {
    kind: 'wsd',
    peakLr: s.peakLr,
    warmupSteps: steps(s.warmupTokens),
    stableSteps: s.stableTokens === undefined ? null : steps(s.stableTokens),
    decaySteps: steps(s.decayTokens),
    minLrRatio: s.minLrRatio,
    decayShape: 'linear',
  };
}

/** The model's own tokenizer (or the configured one), refused when it does not fit the model. */
async function trainerTokenizer(c: TrainerSettings): Promise<DocumentTokenizer> {
  const { baseDir, randomPreset } = c.model;
  if (baseDir && !c.tokenizerPath) return loadModelTokenizer(baseDir);
  const tokenizer = DocumentTokenizer.load({ tokenizerPath: c.tokenizerPath ?? defaultTokenizerPath() });
  if (baseDir) await checkTokenizerFitsModel(tokenizer, baseDir);
  else {
    const problem = await vocabularyMismatch(tokenizer, PRESETS[randomPreset!]);
    if (problem) throw new TokenizerMismatchError(`tokenizer ${tokenizer.tokenizerPath} does not fit preset ${randomPreset}: ${problem}`);
  }
  return tokenizer;
}

/** The torch engine's factory, after checking its Python and GPUs (TorchUnavailable, a ConfigError: exit 2). */
export function torchEngineFromConfig(c: TrainerSettings, log?: (line: string) => void): EngineFactory {
  const t = c.torch;
  const settings: Partial<TorchSettings> = {
    ...t,
    // On GPU: bf16 compute and activation checkpointing unless switched off; fp32 without them on CPU.
    bf16: t.bf16 ?? t.device === 'cuda',
    activationCheckpointing: t.activationCheckpointing ?? c.recomputeLayers,
  };
  checkTorchEnvironment({ python: t.python, device: t.device, nprocPerNode: t.nprocPerNode });
  return torchEngine(settings, log);
}

export async function trainerOptionsFromConfig(
  c: TrainerSettings,
  bus: Bus,
  topics: TopicsConfig,
  log?: (line: string) => void,
): Promise<ContinuousTrainerOptions> {
  const model = c.model.baseDir
    ? { kind: 'base' as const, dir: c.model.baseDir }
    : { kind: 'random' as const, config: PRESETS[c.model.randomPreset!], seed: c.model.seed };
  const tokenizer = await trainerTokenizer(c);
  const tokenizerPath = tokenizer.tokenizerPath;
  let replay: ContinuousTrainerOptions['replay'];
  if (c.replay) {
    let source: ReplaySource;
    if (c.replay.topic) source = { kind: 'topic', topic: c.replay.topic };
    else {
      const seqs = await replaySequences(tokenizer, c);
      const vocabSize = model.kind === 'random' ? model.config.vocabSize : tokenizer.vocabSize;
      source = { kind: 'corpus', seed: c.replay.seed, rows: seqs.map((s) => rowFromRecord(encodePackedSequence(s), { tokenizerId: tokenizer.tokenizerId, vocabSize, seqLen: c.seqLen })) };
    }
    replay = { fraction: c.replay.fraction, source };
  }
  return {
    run: c.run,
    bus,
    topics: { sequences: topics.seqsPacked, checkpoints: topics.checkpoints, deadLetterPrefix: topics.deadLetterPrefix, metrics: topics.trainingMetrics },
    model,
    tokenizer: { path: tokenizerPath, id: tokenizer.tokenizerId },
    batchRows: c.batchRows,
    seqLen: c.seqLen,
    tokensPerStep: c.tokensPerStep,
    adamw: { beta1: c.optimizer.beta1, beta2: c.optimizer.beta2, eps: c.optimizer.eps, weightDecay: c.optimizer.weightDecay },
    maxGradNorm: c.optimizer.maxGradNorm,
    decay: c.optimizer.decay,
    recomputeLayers: c.recomputeLayers,
    schedule: scheduleOf(c),
    replay,
    checkpoint: { ...c.checkpoint },
    session: c.intraOpThreads ? { intraOpThreads: c.intraOpThreads } : undefined,
    engine: c.engine === 'torch' ? torchEngineFromConfig(c, log) : undefined,
    log,
  };
}

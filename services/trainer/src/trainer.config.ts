// The trainer's section of the cptflow configuration (`stages.trainer`), validated at start with
// errors that name the field, and turned into ContinuousTrainer options. Amounts of training are
// given in tokens (what people plan in) and converted to optimizer steps here.
import { join } from 'node:path';
import { z } from 'zod';
import { parseOrExplain, requireDirectory, requireFile, requireWritableDirectory, type TopicsConfig } from '../../../libs/config/src';
import { PRESETS } from '../../../libs/model-config/src';
import { checkTokenizerFitsModel, defaultTokenizerPath, DocumentTokenizer, loadModelTokenizer, TokenizerMismatchError, vocabularyMismatch } from '../../../libs/packing/src';
import type { Schedule } from '../../../libs/schedules/src';
import { checkTorchEnvironment, torchEngine, type TorchSettings } from '../../../libs/torch-engine/src';
import type { ContinuousTrainerOptions, EngineFactory, ReplaySource } from '../../../libs/trainer/src';
import { packDocuments, readJsonlDocuments, rowFromRecord, encodePackedSequence } from '../../../libs/trainer/src';
import type { Bus } from '../../../libs/transport/src';

const positiveInt = z.number().int().positive();

export const trainerConfigSchema = z
  .object({
    run: z.string().min(1).default('cpt'),
    /** Bearer tokens for POST /schedule/decay (or TRAINER_API_TOKEN, comma-separated); none: refused. */
    apiTokens: z.array(z.string().min(16).regex(/^\S+$/, 'no whitespace')).default([]),
    model: z
      .object({
        /** A Hugging Face directory: config.json + model.safetensors (or shards + index) + tokenizer.json. */
        baseDir: z.string().min(1).optional(),
        /** Random initialisation of a preset architecture instead (tests, demos). */
        randomPreset: z.enum(Object.keys(PRESETS) as [string, ...string[]]).optional(),
        seed: z.number().int().default(0),
      })
      .strict()
      .refine((m) => (m.baseDir === undefined) !== (m.randomPreset === undefined), { message: 'give exactly one of baseDir or randomPreset' }),
    /**
     * tokenizer.json; default: <baseDir>/tokenizer.json (the model's own; a base model without one is refused),
     * or the bundled LLaMA-2 tokenizer for a random preset. Either way it must fit the model's vocabulary and BOS/EOS ids.
     */
    tokenizerPath: z.string().min(1).optional(),
    batchRows: positiveInt.default(1),
    seqLen: positiveInt.default(2048),
    tokensPerStep: positiveInt.default(16 * 2048),
    recomputeLayers: z.boolean().default(true),
    intraOpThreads: positiveInt.optional(),
    /** onnx: ONNX Runtime in a worker thread (no Python); torch: a PyTorch FSDP2 worker group (GPUs, several machines). */
    engine: z.enum(['onnx', 'torch']).default('onnx'),
    /** The torch engine's worker group (libs/torch-engine); used with engine "torch". */
    torch: z
      .object({
        python: z.string().min(1).optional(),
        nprocPerNode: positiveInt.default(1),
        nnodes: positiveInt.default(1),
        nodeRank: z.number().int().min(0).default(0),
        rdzvEndpoint: z.string().regex(/^[^:\s]+:\d+$/, 'host:port').optional(),
        channelHost: z.string().min(1).default('127.0.0.1'),
        device: z.enum(['cpu', 'cuda']).default('cpu'),
        offload: z.boolean().default(false),
        activationCheckpointing: z.boolean().optional(),
        bf16: z.boolean().optional(),
        heartbeatMs: positiveInt.default(1000),
        threadsPerRank: positiveInt.optional(),
      })
      .strict()
      .refine((t) => t.nnodes === 1 || t.rdzvEndpoint !== undefined, { message: 'several nodes need rdzvEndpoint (host:port of the c10d rendezvous)', path: ['rdzvEndpoint'] })
      .refine((t) => t.nodeRank < t.nnodes, { message: 'nodeRank must be below nnodes', path: ['nodeRank'] })
      .default({}),
    optimizer: z
      .object({
        beta1: z.number().min(0).lt(1).default(0.9),
        beta2: z.number().min(0).lt(1).default(0.95),
        eps: z.number().positive().default(1e-8),
        weightDecay: z.number().min(0).default(0.1),
        maxGradNorm: z.number().positive().default(1),
        /**
         * Weight-decay groups. `matrices` (default) decays weight matrices and embeddings but not
         * RMSNorm weights or biases, as transformers' Trainer does; `all` decays every parameter.
         */
        decay: z.enum(['matrices', 'all']).default('matrices'),
      })
      .strict()
      .default({}),
    schedule: z
      .object({
        /** constant and wsd suit an open stream; cosine needs a fixed budget (totalTokens). */
        kind: z.enum(['constant', 'wsd', 'cosine']).default('constant'),
        peakLr: z.number().positive().default(2e-5),
        warmupTokens: z.number().int().min(0).default(0),
        totalTokens: positiveInt.optional(),
        /** wsd: stable phase length; omit to keep it open until decay is requested. */
        stableTokens: z.number().int().min(0).optional(),
        decayTokens: z.number().int().min(0).default(0),
        minLrRatio: z.number().min(0).max(1).default(0.1),
      })
      .strict()
      .refine((s) => s.kind !== 'cosine' || s.totalTokens !== undefined, { message: 'a cosine schedule needs totalTokens', path: ['totalTokens'] })
      .default({}),
    replay: z
      .object({
        fraction: z.number().min(0).lt(1),
        topic: z.string().min(1).optional(),
        /** JSONL(.gz) of {"text"} documents, packed with the model's tokenizer at start. */
        corpusPath: z.string().min(1).optional(),
        maxSequences: positiveInt.default(20_000),
        seed: z.number().int().default(0),
      })
      .strict()
      .refine((r) => (r.topic === undefined) !== (r.corpusPath === undefined), { message: 'give exactly one of topic or corpusPath' })
      .optional(),
    checkpoint: z
      .object({
        dir: z.string().min(1).default('checkpoints'),
        everyTokens: positiveInt.optional(),
        everyMinutes: z.number().positive().optional().default(30),
        keepLast: positiveInt.default(3),
        keepEvery: z.number().int().min(0).default(10),
        maxShardBytes: positiveInt.default(64 << 20),
        memoryBudgetBytes: positiveInt.default(2 * 1024 ** 3),
        offloadDir: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
  })
  .strict()
  .refine((c) => c.tokensPerStep % (c.batchRows * c.seqLen) === 0, {
    message: 'tokensPerStep must be a multiple of batchRows x seqLen',
    path: ['tokensPerStep'],
  })
  .refine((c) => c.engine !== 'torch' || (c.tokensPerStep / (c.batchRows * c.seqLen)) % (c.torch.nprocPerNode * c.torch.nnodes) === 0, {
    message: 'with engine "torch", tokensPerStep must be a multiple of batchRows x seqLen x nprocPerNode x nnodes (every rank takes whole micro-batches)',
    path: ['tokensPerStep'],
  });

export type TrainerConfig = z.infer<typeof trainerConfigSchema>;

/** The trainer section of a loaded config, with TRAINER_API_TOKEN folded in. */
export function parseTrainerConfig(section: unknown, env: NodeJS.ProcessEnv = process.env): TrainerConfig {
  const raw = { ...((section as Record<string, unknown> | undefined) ?? {}) };
  if (env.TRAINER_API_TOKEN && raw.apiTokens === undefined) raw.apiTokens = env.TRAINER_API_TOKEN.split(',').map((t) => t.trim());
  return parseOrExplain(trainerConfigSchema, raw, 'stages.trainer config');
}

/**
 * The files and folders the section names, checked before anything is loaded: a missing base model or
 * tokenizer is exit 2 naming the setting, and a checkpoint folder that cannot be written (or lies
 * under /proc) fails now rather than at the first save.
 */
export function checkTrainerPaths(c: TrainerConfig): void {
  if (c.model.baseDir !== undefined) {
    requireDirectory(c.model.baseDir, 'stages.trainer.model.baseDir');
    if (c.tokenizerPath === undefined) requireFile(join(c.model.baseDir, 'tokenizer.json'), 'stages.trainer.model.baseDir (its tokenizer.json)');
  }
  if (c.tokenizerPath !== undefined) requireFile(c.tokenizerPath, 'stages.trainer.tokenizerPath');
  if (c.replay?.corpusPath !== undefined) requireFile(c.replay.corpusPath, 'stages.trainer.replay.corpusPath');
  requireWritableDirectory(c.checkpoint.dir, 'stages.trainer.checkpoint.dir');
  if (c.checkpoint.offloadDir !== undefined) requireWritableDirectory(c.checkpoint.offloadDir, 'stages.trainer.checkpoint.offloadDir');
}

export function scheduleOf(c: TrainerConfig): Schedule {
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
async function trainerTokenizer(c: TrainerConfig): Promise<DocumentTokenizer> {
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
export function torchEngineFromConfig(c: TrainerConfig, log?: (line: string) => void): EngineFactory {
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
  c: TrainerConfig,
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
      const seqs = await packDocuments(tokenizer, readJsonlDocuments(c.replay.corpusPath!), { seqLen: c.seqLen, maxSequences: c.replay.maxSequences, corpus: 'replay' });
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

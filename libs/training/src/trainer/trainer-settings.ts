// The trainer service's settings (config section `stages.trainer`). Here rather than in services/trainer
// so that every service can check this section at start (libs/nest-host's stage section schemas).
import { z } from 'zod';
import { PRESETS } from '@cptflow/model';
import { timerPeriod } from '@cptflow/platform';

const positiveInt = z.number().int().positive();

export const trainerSettingsSchema = z
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
        /** sdpa: a dense document mask (CPU); flex: flex_attention with a BlockMask (GPUs: no seq² mask, fused kernels). */
        attention: z.enum(['sdpa', 'flex']).default('sdpa'),
        /** torch.compile every decoder block (GPUs); aot_eager compiles without generating kernels (tests). */
        compile: z.boolean().default(false),
        compileBackend: z.enum(['inductor', 'aot_eager']).default('inductor'),
        heartbeatMs: positiveInt.default(1000),
        threadsPerRank: positiveInt.optional(),
      })
      .strict()
      .refine((t) => t.nnodes === 1 || t.rdzvEndpoint !== undefined, { message: 'several nodes need rdzvEndpoint (host:port of the c10d rendezvous)', path: ['rdzvEndpoint'] })
      .refine((t) => t.nodeRank < t.nnodes, { message: 'nodeRank must be below nnodes', path: ['nodeRank'] })
      // torch 2.11's inductor cannot generate CPU kernels for flex_attention's backward.
      .refine((t) => !(t.device === 'cpu' && t.attention === 'flex' && t.compile && t.compileBackend === 'inductor'), {
        message: 'attention "flex" with compile on device "cpu" needs compileBackend "aot_eager" (inductor has no CPU flex_attention backward); on a CPU prefer attention "sdpa"',
        path: ['compileBackend'],
      })
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
        everyMinutes: timerPeriod(60_000).optional().default(30),
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

export type TrainerSettings = z.infer<typeof trainerSettingsSchema>;

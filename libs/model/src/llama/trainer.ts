// One optimizer step of LLaMA training on ONNX Runtime, read top to bottom:
//   for each micro-batch: forward + backward, gradients summed across micro-batches
//   then once: clip by global norm, AdamW update of parameters and moments.
// Parameters and AdamW moments live here as plain Float32Arrays keyed by HF tensor name; they are
// graph inputs and outputs, never baked into a model, so they can be sharded, offloaded or saved.
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { createSession, ortTensor, SessionOptions } from '@cptflow/onnx';
import { elementCount, LlamaArchitecture, ParameterShape, parameterShapes } from './architecture';
import { AdamWHyperparameters, buildAdamWGraph, buildGradSquareSumGraph, shardTensorName, ShardParameter, updatedName } from './adamw-graph';
import { TokenBatch } from './batch';
import { buildTrainGraph, gradAccumName, gradName } from './train-graph';

/**
 * Which parameters take weight decay. 'matrices' (every tensor with ndim >= 2: projections and
 * embeddings, never RMSNorm weights or biases) picks what transformers' Trainer picks for a LLaMA
 * model (its get_decay_parameter_names leaves out norms and biases); 'all' decays every tensor, as a
 * bare torch.optim.AdamW(model.parameters()) does.
 */
export type DecayPolicy = 'matrices' | 'matrices-except-embeddings' | 'all' | ((name: string, shape: readonly number[]) => boolean);

export interface TrainerOptions {
  batch: number;
  seq: number;
  documentMask: boolean;
  recomputeLayers: boolean;
  adamw: AdamWHyperparameters;
  /** Which parameters take weight decay; 'matrices' (every ndim ≥ 2 tensor) by default. */
  decay?: DecayPolicy;
  /** Clip the global gradient norm to this value; no clipping when omitted. */
  maxGradNorm?: number;
  session?: SessionOptions;
}

export interface StepResult {
  /** Mean token cross-entropy over all micro-batches of the step (before the update). */
  loss: number;
  /** Global L2 norm of the mean gradient, before clipping. */
  gradNorm: number;
  tokens: number;
}

type Grads = Map<string, Float32Array>;

/** Parameters updated together: one decoder layer, or one top-level tensor. */
interface OptimizerShard {
  shapes: ParameterShape[];
  squareSum: InferenceSession;
  update: InferenceSession;
}

export class LlamaTrainer {
  /** Optimizer steps taken (AdamW's t). */
  step = 0;
  readonly exp_avg: Map<string, Float32Array>;
  readonly exp_avg_sq: Map<string, Float32Array>;
  private accumulatingSession?: InferenceSession;

  private constructor(
    readonly architecture: LlamaArchitecture,
    readonly params: Map<string, Float32Array>,
    private readonly options: TrainerOptions,
    private readonly shapes: ParameterShape[],
    private readonly firstMicroBatchSession: InferenceSession,
    private readonly shards: OptimizerShard[],
  ) {
    this.exp_avg = new Map(shapes.map((p) => [p.name, new Float32Array(elementCount(p.shape))]));
    this.exp_avg_sq = new Map(shapes.map((p) => [p.name, new Float32Array(elementCount(p.shape))]));
  }

  static async create(a: LlamaArchitecture, params: Map<string, Float32Array>, options: TrainerOptions): Promise<LlamaTrainer> {
    const shapes = parameterShapes(a);
    for (const p of shapes) {
      const data = params.get(p.name);
      if (!data || data.length !== elementCount(p.shape)) throw new Error(`parameter ${p.name}: expected ${elementCount(p.shape)} values`);
    }
    const train = buildTrainGraph(a, { ...options, accumulate: false });
    const trainSession = await createSession(train.toBytes(), options.session);
    const shards = await optimizerShards(shapes, decayPredicate(options.decay ?? 'matrices'), options);
    return new LlamaTrainer(a, params, options, shapes, trainSession, shards);
  }

  /** One optimizer step over `microBatches` (gradient accumulation when there are several). */
  async trainStep(microBatches: TokenBatch[], lr: number): Promise<StepResult> {
    let grads: Grads | undefined;
    let lossSum = 0;
    let tokens = 0;
    for (const batch of microBatches) {
      const out = await this.forwardBackward(batch, grads);
      grads = out.grads;
      lossSum += out.lossSum;
      tokens += out.tokenCount;
    }
    if (!grads || tokens === 0) throw new Error('trainStep: no tokens with a loss in this step');
    const gradNorm = await this.applyAdamW(grads, { lr, gradScale: 1 / tokens });
    return { loss: lossSum / tokens, gradNorm, tokens };
  }

  /** Forward + backward of one micro-batch; gradients of the summed loss, added onto `sums`. */
  async forwardBackward(batch: TokenBatch, sums?: Grads): Promise<{ lossSum: number; tokenCount: number; grads: Grads }> {
    const feeds: Record<string, OrtTensor> = { ...this.parameterFeeds(), ...this.batchFeeds(batch) };
    let session = this.firstMicroBatchSession;
    if (sums) {
      session = await this.accumulating();
      for (const p of this.shapes) feeds[gradAccumName(p.name)] = ortTensor('float32', sums.get(p.name)!, p.shape);
    }
    const out = await session.run(feeds);
    const grads: Grads = new Map(this.shapes.map((p) => [p.name, out[gradName(p.name)].data as Float32Array]));
    return { lossSum: Number(out.loss_sum.data[0]), tokenCount: Number(out.token_count.data[0]), grads };
  }

  /**
   * Clip + AdamW on the summed gradients, shard by shard; replaces parameters and moments and
   * returns the global norm of the mean gradient (before clipping).
   */
  async applyAdamW(grads: Grads, s: { lr: number; gradScale: number }): Promise<number> {
    const f32 = (shape: readonly number[], data: Float32Array) => ortTensor('float32', data, shape);
    const scalar = (v: number) => ortTensor('float32', Float32Array.of(v), []);

    let sumSquares = 0;
    for (const shard of this.shards) {
      const feeds = Object.fromEntries(shard.shapes.map((p, i) => [shardTensorName('grad', i), f32(p.shape, grads.get(p.name)!)]));
      sumSquares += Number((await shard.squareSum.run(feeds)).sum_squares.data[0]);
    }
    const gradNorm = Math.sqrt(sumSquares) * s.gradScale;
    const maxNorm = this.options.maxGradNorm ?? Infinity;
    const clip = Math.min(1, maxNorm / (gradNorm + 1e-6));

    this.step += 1;
    const { beta1, beta2 } = this.options.adamw;
    const scalars = {
      lr: scalar(s.lr),
      step_size: scalar(s.lr / (1 - Math.pow(beta1, this.step))),
      bias_correction2_sqrt: scalar(Math.sqrt(1 - Math.pow(beta2, this.step))),
      grad_coef: scalar(s.gradScale * clip),
    };
    for (const shard of this.shards) {
      const feeds: Record<string, OrtTensor> = { ...scalars };
      shard.shapes.forEach((p, i) => {
        feeds[shardTensorName('param', i)] = f32(p.shape, this.params.get(p.name)!);
        feeds[shardTensorName('grad', i)] = f32(p.shape, grads.get(p.name)!);
        feeds[shardTensorName('exp_avg', i)] = f32(p.shape, this.exp_avg.get(p.name)!);
        feeds[shardTensorName('exp_avg_sq', i)] = f32(p.shape, this.exp_avg_sq.get(p.name)!);
      });
      const out = await shard.update.run(feeds);
      shard.shapes.forEach((p, i) => {
        this.params.set(p.name, out[updatedName(shardTensorName('param', i))].data as Float32Array);
        this.exp_avg.set(p.name, out[updatedName(shardTensorName('exp_avg', i))].data as Float32Array);
        this.exp_avg_sq.set(p.name, out[updatedName(shardTensorName('exp_avg_sq', i))].data as Float32Array);
      });
    }
    return gradNorm;
  }

  async release(): Promise<void> {
    const sessions = new Set([this.firstMicroBatchSession, this.accumulatingSession, ...this.shards.flatMap((s) => [s.squareSum, s.update])]);
    await Promise.all([...sessions].map((s) => s?.release()));
  }

  private async accumulating(): Promise<InferenceSession> {
    if (!this.accumulatingSession) {
      const graph = buildTrainGraph(this.architecture, { ...this.options, accumulate: true });
      this.accumulatingSession = await createSession(graph.toBytes(), this.options.session);
    }
    return this.accumulatingSession;
  }

  private parameterFeeds(): Record<string, OrtTensor> {
    return Object.fromEntries(this.shapes.map((p) => [p.name, ortTensor('float32', this.params.get(p.name)!, p.shape)]));
  }

  private batchFeeds(b: TokenBatch): Record<string, OrtTensor> {
    if (b.batch !== this.options.batch || b.seq !== this.options.seq) throw new Error(`batch is ${b.batch}x${b.seq}, trainer built for ${this.options.batch}x${this.options.seq}`);
    const dims = [b.batch, b.seq];
    const feeds: Record<string, OrtTensor> = {
      input_ids: ortTensor('int64', b.inputIds, dims),
      position_ids: ortTensor('int64', b.positionIds, dims),
      targets: ortTensor('int64', b.targets, dims),
    };
    if (this.options.documentMask) {
      if (!b.docIds) throw new Error('trainer uses a document mask but the batch has no doc ids');
      feeds.doc_ids = ortTensor('int64', b.docIds, dims);
    }
    return feeds;
  }
}

/**
 * Groups parameters into optimizer shards (one per decoder layer, one per top-level tensor). Shards
 * with the same shapes and decay flags share their two sessions.
 */
async function optimizerShards(shapes: ParameterShape[], decays: (name: string, shape: readonly number[]) => boolean, o: TrainerOptions): Promise<OptimizerShard[]> {
  const groups = new Map<string, ParameterShape[]>();
  for (const p of shapes) {
    const key = /^model\.layers\.(\d+)\./.exec(p.name)?.[0] ?? p.name;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const sessions = new Map<string, Promise<[InferenceSession, InferenceSession]>>();
  const shards: OptimizerShard[] = [];
  for (const group of groups.values()) {
    const layout: ShardParameter[] = group.map((p) => ({ shape: p.shape, decay: decays(p.name, p.shape) }));
    const signature = JSON.stringify(layout);
    if (!sessions.has(signature)) {
      sessions.set(
        signature,
        Promise.all([createSession(buildGradSquareSumGraph(layout).toBytes(), o.session), createSession(buildAdamWGraph(layout, o.adamw).toBytes(), o.session)]),
      );
    }
    const [squareSum, update] = await sessions.get(signature)!;
    shards.push({ shapes: group, squareSum, update });
  }
  return shards;
}

export function decayPredicate(policy: DecayPolicy): (name: string, shape: readonly number[]) => boolean {
  if (typeof policy === 'function') return policy;
  if (policy === 'matrices') return (_name, shape) => shape.length >= 2;
  if (policy === 'all') return () => true;
  return (name, shape) => shape.length >= 2 && name !== 'model.embed_tokens.weight';
}

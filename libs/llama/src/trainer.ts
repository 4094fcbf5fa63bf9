// One optimizer step of LLaMA training on ONNX Runtime, read top to bottom:
//   for each micro-batch: forward + backward, gradients summed across micro-batches
//   then once: clip by global norm, AdamW update of parameters and moments.
// Parameters and AdamW moments live here as plain Float32Arrays keyed by HF tensor name; they are
// graph inputs and outputs, never baked into a model, so they can be sharded, offloaded or saved.
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { createSession, ortTensor, SessionOptions } from '../../onnx-graph/src';
import { elementCount, LlamaArchitecture, ParameterShape, parameterShapes } from './architecture';
import { AdamWHyperparameters, buildAdamWGraph, momentName, updatedName, varianceName } from './adamw-graph';
import { TokenBatch } from './batch';
import { buildTrainGraph, gradAccumName, gradName } from './train-graph';

export type DecayPolicy = 'matrices' | 'matrices-except-embeddings' | ((name: string, shape: readonly number[]) => boolean);

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
    private readonly adamwSession: InferenceSession,
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
    const decays = decayPredicate(options.decay ?? 'matrices');
    const train = buildTrainGraph(a, { ...options, accumulate: false });
    const adamw = buildAdamWGraph(shapes.map((p) => ({ ...p, decay: decays(p.name, p.shape) })), options.adamw);
    const [trainSession, adamwSession] = await Promise.all([
      createSession(train.toBytes(), options.session),
      createSession(adamw.toBytes(), options.session),
    ]);
    return new LlamaTrainer(a, params, options, shapes, trainSession, adamwSession);
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

  /** Clip + AdamW on the summed gradients; replaces parameters and moments; returns the grad norm. */
  async applyAdamW(grads: Grads, s: { lr: number; gradScale: number }): Promise<number> {
    this.step += 1;
    const { beta1, beta2 } = this.options.adamw;
    const scalar = (v: number) => ortTensor('float32', Float32Array.of(v), []);
    const feeds: Record<string, OrtTensor> = {
      lr: scalar(s.lr),
      step_size: scalar(s.lr / (1 - Math.pow(beta1, this.step))),
      bias_correction2_sqrt: scalar(Math.sqrt(1 - Math.pow(beta2, this.step))),
      grad_scale: scalar(s.gradScale),
      max_grad_norm: scalar(this.options.maxGradNorm ?? Infinity),
    };
    for (const p of this.shapes) {
      feeds[p.name] = ortTensor('float32', this.params.get(p.name)!, p.shape);
      feeds[gradName(p.name)] = ortTensor('float32', grads.get(p.name)!, p.shape);
      feeds[momentName(p.name)] = ortTensor('float32', this.exp_avg.get(p.name)!, p.shape);
      feeds[varianceName(p.name)] = ortTensor('float32', this.exp_avg_sq.get(p.name)!, p.shape);
    }
    const out = await this.adamwSession.run(feeds);
    for (const p of this.shapes) {
      this.params.set(p.name, out[updatedName(p.name)].data as Float32Array);
      this.exp_avg.set(p.name, out[updatedName(momentName(p.name))].data as Float32Array);
      this.exp_avg_sq.set(p.name, out[updatedName(varianceName(p.name))].data as Float32Array);
    }
    return Number(out.grad_norm.data[0]);
  }

  async release(): Promise<void> {
    await Promise.all([this.firstMicroBatchSession.release(), this.adamwSession.release(), this.accumulatingSession?.release()]);
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

export function decayPredicate(policy: DecayPolicy): (name: string, shape: readonly number[]) => boolean {
  if (typeof policy === 'function') return policy;
  if (policy === 'matrices') return (_name, shape) => shape.length >= 2;
  return (name, shape) => shape.length >= 2 && name !== 'model.embed_tokens.weight';
}

// The evaluator's LogLikelihoodModel: a LLaMA checkpoint scored by ONNX Runtime in a worker thread.
// The main thread only plans batches and posts token arrays; ORT's run() — seconds for a large
// batch — blocks the worker, never the event loop that serves Kafka heartbeats and HTTP.
import { LogLikelihoodModel, ScoreRequest, ScoreResult } from '../eval';
import { OrtWorker, OrtWorkerSession, WorkerSessionOptions } from '@cptflow/onnx';
import { planForwardPasses } from './batch-plan';
import { HfModelDir, loadHfModelDir } from '@cptflow/model';
import { scoringModelBytes } from './scoring-graph';

export interface OnnxModelOptions {
  /** Longest model input; defaults to config.json's max_position_embeddings (as HFLM.max_length). */
  maxLength?: number;
  /** batch × padded length per ORT run (default 16,384 tokens); bounds activation memory. */
  maxTokensPerPass?: number;
  intraOpNumThreads?: number;
  executionProviders?: readonly string[];
}

export interface OnnxModelStats {
  forwardPasses: number;
  /** Rows fed (padding included) and real model-input tokens among them. */
  paddedTokens: number;
  inputTokens: number;
  /** Requests answered without a row of their own (their context shared with another request). */
  sharedRequests: number;
  runMs: number;
}

export class OnnxLogLikelihoodModel implements LogLikelihoodModel {
  readonly stats: OnnxModelStats = { forwardPasses: 0, paddedTokens: 0, inputTokens: 0, sharedRequests: 0, runMs: 0 };

  private constructor(
    private readonly worker: OrtWorker,
    private readonly session: OrtWorkerSession,
    readonly maxLength: number,
    private readonly maxTokensPerPass: number,
  ) {}

  /** Loads an HF model directory (config.json + safetensors) and starts its worker. */
  static async fromDir(dir: string, options: OnnxModelOptions = {}): Promise<OnnxLogLikelihoodModel> {
    return OnnxLogLikelihoodModel.fromWeights(await loadHfModelDir(dir), options);
  }

  static async fromWeights(model: HfModelDir, options: OnnxModelOptions = {}): Promise<OnnxLogLikelihoodModel> {
    const bytes = scoringModelBytes(model.architecture, model.weights);
    const worker = OrtWorker.start();
    const sessionOptions: WorkerSessionOptions = {
      graphOptimizationLevel: 'all',
      enableCpuMemArena: false,
      executionMode: 'sequential',
      ...(options.intraOpNumThreads !== undefined ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
      ...(options.executionProviders ? { executionProviders: options.executionProviders } : {}),
    };
    try {
      const session = await worker.createSession(bytes, sessionOptions);
      return new OnnxLogLikelihoodModel(worker, session, options.maxLength ?? model.config.maxPositionEmbeddings, options.maxTokensPerPass ?? 16_384);
    } catch (err) {
      await worker.terminate();
      throw err;
    }
  }

  async scoreBatch(requests: ScoreRequest[]): Promise<ScoreResult[]> {
    const results: ScoreResult[] = requests.map(() => ({ logprob: 0, isGreedy: true }));
    const passes = planForwardPasses(requests, { maxTokensPerPass: this.maxTokensPerPass });
    let rows = 0;
    for (const pass of passes) {
      const { outputs, runMs } = await this.session.run(
        {
          input_ids: { type: 'int64', dims: [pass.batch, pass.seq], data: pass.inputIds },
          position_ids: { type: 'int64', dims: [pass.batch, pass.seq], data: pass.positionIds },
          branch_ids: { type: 'int64', dims: [pass.batch, pass.seq], data: pass.branchIds },
          score_index: { type: 'int64', dims: [pass.scoreIndex.length], data: pass.scoreIndex },
          score_target: { type: 'int64', dims: [pass.scoreTarget.length], data: pass.scoreTarget },
        },
        { transfer: true },
      );
      const logprob = outputs.logprob.data as Float64Array;
      const greedy = outputs.is_greedy.data as Uint8Array;
      // token log-probs come out of the graph in float64 (scoring-graph.ts scoredLogprobs) and are summed in float64
      pass.scoreOwner.forEach((owner, k) => {
        results[owner].logprob += logprob[k];
        if (!greedy[k]) results[owner].isGreedy = false;
      });
      rows += pass.batch;
      this.stats.forwardPasses++;
      this.stats.paddedTokens += pass.batch * pass.seq;
      this.stats.inputTokens += pass.tokens;
      this.stats.runMs += runMs;
    }
    this.stats.sharedRequests += requests.length - rows;
    return results;
  }

  /** Stops the worker (and with it the session and its weights). */
  async close(): Promise<void> {
    try {
      await this.session.release();
    } finally {
      await this.worker.terminate();
    }
  }
}

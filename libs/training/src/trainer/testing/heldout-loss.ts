// Mean token cross-entropy of a model on held-out rows (forward only), for tests, the replay
// experiment and benchmarks: the number that shows learning (domain text) or forgetting (general text).
import type { InferenceSession } from 'onnxruntime-node';
import { buildLogProbGraph, IGNORE_INDEX, LlamaArchitecture } from '@cptflow/model';
import { createSession, ortTensor, SessionOptions } from '@cptflow/onnx';
import { microBatchOf, TrainingRow } from '../training-rows';

export class HeldOutEvaluator {
  private constructor(
    private readonly session: InferenceSession,
    private readonly rowsPerBatch: number,
  ) {}

  static async create(architecture: LlamaArchitecture, rowsPerBatch = 8, session?: SessionOptions): Promise<HeldOutEvaluator> {
    const graph = buildLogProbGraph(architecture, { documentMask: true });
    return new HeldOutEvaluator(await createSession(graph.toBytes(), session), rowsPerBatch);
  }

  async meanLoss(params: ReadonlyMap<string, Float32Array>, shapes: ReadonlyMap<string, readonly number[]>, rows: readonly TrainingRow[]): Promise<number> {
    let sum = 0;
    let count = 0;
    for (let i = 0; i < rows.length; i += this.rowsPerBatch) {
      const batch = microBatchOf(rows.slice(i, i + this.rowsPerBatch) as TrainingRow[]);
      const ignore = BigInt(IGNORE_INDEX);
      const targets = batch.targets.map((t) => (t === ignore ? 0n : t));
      const dims = [batch.batch, batch.seq];
      const feeds: Record<string, ReturnType<typeof ortTensor>> = {
        input_ids: ortTensor('int64', batch.inputIds, dims),
        position_ids: ortTensor('int64', batch.positionIds, dims),
        doc_ids: ortTensor('int64', batch.docIds!, dims),
        targets: ortTensor('int64', targets, dims),
      };
      for (const [name, data] of params) feeds[name] = ortTensor('float32', data, shapes.get(name)!);
      const out = await this.session.run(feeds);
      const logProbs = out.token_logprobs.data as Float32Array;
      batch.targets.forEach((t, j) => {
        if (t !== ignore) {
          sum -= logProbs[j];
          count++;
        }
      });
    }
    return sum / count;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

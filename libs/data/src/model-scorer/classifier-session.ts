// The ONNX Runtime side of the scorer: loads the user's model, checks that its inputs and outputs are
// those of a Hugging Face sequence classifier, and runs padded batches. onnxruntime-node's run()
// executes on the calling thread (its promise only defers the call with setImmediate), so by default
// the session lives in a worker thread (libs/onnx/src/ort-worker) and the service thread stays free for Kafka
// heartbeats and health checks; `in-process` exists for comparison and for tiny models.
import * as fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { defaultExecutionProviders, OrtWorker, type OrtWorkerSession } from '@cptflow/onnx';
import type { PaddedBatch } from './classifier-tokenizer';

export type ScorerBackend = 'worker' | 'in-process';

/** The inputs a BERT-like classifier export may take; input_ids is required. */
export const CLASSIFIER_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'] as const;
type ClassifierInput = (typeof CLASSIFIER_INPUTS)[number];
type IdType = 'int64' | 'int32';

export interface Logits {
  /** [batch, classes], row-major. */
  data: Float32Array;
  batch: number;
  classes: number;
}

export interface ClassifierSessionOptions {
  backend?: ScorerBackend;
  /** ONNX Runtime intra-op threads (ORT's default: one per core). */
  intraOpThreads?: number;
}

interface Runner {
  run(feeds: Record<string, ort.Tensor | { type: IdType; dims: number[]; data: BigInt64Array | Int32Array }>, output: string): Promise<{ dims: readonly number[]; data: unknown }>;
  release(): Promise<void>;
}

/** Picks the logits output: the one named `logits` (optimum's name), else the only output. */
function logitsOutput(outputNames: readonly string[], modelPath: string): string {
  if (outputNames.includes('logits')) return 'logits';
  if (outputNames.length === 1) return outputNames[0];
  throw new Error(`${modelPath}: no "logits" output among [${outputNames.join(', ')}]; a text classifier export has one logits output [batch, classes]`);
}

function checkInputs(inputNames: readonly string[], inputTypes: Readonly<Record<string, string>>, modelPath: string): Map<ClassifierInput, IdType> {
  const unknown = inputNames.filter((n) => !(CLASSIFIER_INPUTS as readonly string[]).includes(n));
  if (unknown.length || !inputNames.includes('input_ids')) {
    throw new Error(
      `${modelPath} takes inputs [${inputNames.join(', ')}]; a text classifier export takes input_ids and optionally attention_mask and token_type_ids` +
        (unknown.length ? ` (unexpected: ${unknown.join(', ')})` : ' (input_ids is missing)'),
    );
  }
  const types = new Map<ClassifierInput, IdType>();
  for (const name of inputNames as ClassifierInput[]) {
    const type = inputTypes[name] ?? 'int64';
    if (type !== 'int64' && type !== 'int32') throw new Error(`${modelPath}: input ${name} is ${type}; token inputs must be int64 (or int32)`);
    types.set(name, type);
  }
  return types;
}

export class ClassifierSession {
  private constructor(
    private readonly runner: Runner,
    readonly modelPath: string,
    /** The inputs this model takes and the integer type of each: models with and without token_type_ids both fit. */
    readonly inputs: ReadonlyMap<ClassifierInput, IdType>,
    readonly outputName: string,
    private readonly worker?: OrtWorker,
  ) {}

  static async open(modelPath: string, options: ClassifierSessionOptions = {}): Promise<ClassifierSession> {
    if (!fs.existsSync(modelPath)) throw new Error(`model file not found: ${modelPath}`);
    const model = new Uint8Array(fs.readFileSync(modelPath));
    const loadError = (error: unknown) => new Error(`${modelPath}: ONNX Runtime could not load the model: ${(error as Error).message}`);
    if ((options.backend ?? 'worker') === 'worker') {
      const worker = OrtWorker.start();
      let session: OrtWorkerSession;
      try {
        session = await worker.createSession(model, { intraOpNumThreads: options.intraOpThreads, graphOptimizationLevel: 'all', enableCpuMemArena: false });
      } catch (error) {
        await worker.terminate();
        throw loadError(error);
      }
      const runner: Runner = { run: (feeds, output) => session.run(feeds as never, { fetches: [output], transfer: true }).then((r) => r.outputs[output]), release: () => session.release() };
      return ClassifierSession.checked(runner, modelPath, session.inputNames, session.inputTypes, session.outputNames, worker);
    }
    let session: ort.InferenceSession;
    try {
      const sessionOptions: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all', enableCpuMemArena: false, executionProviders: defaultExecutionProviders() };
      if (options.intraOpThreads !== undefined) sessionOptions.intraOpNumThreads = options.intraOpThreads;
      session = await ort.InferenceSession.create(model, sessionOptions);
    } catch (error) {
      throw loadError(error);
    }
    const inputTypes: Record<string, string> = {};
    for (const m of session.inputMetadata) if (m.isTensor) inputTypes[m.name] = m.type;
    const runner: Runner = {
      run: async (feeds, output) => {
        const tensors: Record<string, ort.Tensor> = {};
        for (const [name, f] of Object.entries(feeds)) tensors[name] = f instanceof ort.Tensor ? f : new ort.Tensor(f.type, f.data, f.dims);
        return (await session.run(tensors, [output]))[output];
      },
      release: () => session.release(),
    };
    return ClassifierSession.checked(runner, modelPath, session.inputNames, inputTypes, session.outputNames);
  }

  private static async checked(
    runner: Runner,
    modelPath: string,
    inputNames: readonly string[],
    inputTypes: Readonly<Record<string, string>>,
    outputNames: readonly string[],
    worker?: OrtWorker,
  ): Promise<ClassifierSession> {
    try {
      return new ClassifierSession(runner, modelPath, checkInputs(inputNames, inputTypes, modelPath), logitsOutput(outputNames, modelPath), worker);
    } catch (error) {
      await runner.release();
      await worker?.terminate();
      throw error;
    }
  }

  /** Logits of one padded batch; checks they are [batch, classes] float32. */
  async run(padded: PaddedBatch): Promise<Logits> {
    const dims = [padded.batch, padded.seq];
    const columns: Record<ClassifierInput, number[]> = {
      input_ids: padded.inputIds,
      attention_mask: padded.attentionMask,
      token_type_ids: padded.tokenTypeIds,
    };
    const feeds: Record<string, { type: IdType; dims: number[]; data: BigInt64Array | Int32Array }> = {};
    for (const [name, type] of this.inputs) {
      const values = columns[name];
      feeds[name] = { type, dims, data: type === 'int64' ? BigInt64Array.from(values, (v) => BigInt(v)) : Int32Array.from(values) };
    }
    const out = await this.runner.run(feeds, this.outputName);
    if (!(out.data instanceof Float32Array)) throw new Error(`${this.modelPath}: output ${this.outputName} is not float32`);
    const shape = out.dims;
    if (shape.length !== 2 || shape[0] !== padded.batch) {
      throw new Error(`${this.modelPath}: output ${this.outputName} has shape [${shape.join(', ')}]; a text classifier returns logits [batch=${padded.batch}, classes]`);
    }
    return { data: out.data, batch: shape[0], classes: shape[1] };
  }

  async close(): Promise<void> {
    await this.runner.release();
    await this.worker?.terminate();
  }
}

// The evaluator's LogLikelihoodModel on the torch worker group (GPU scoring): a checkpoint's HF
// directory loaded into a TorchEngine, every scoreBatch one request to the group. Requests arrive
// truncated by libs/evaluation/src/eval's scorer, as for the ONNX model.
import type { LogLikelihoodModel, ScoreRequest, ScoreResult } from '../eval';
import { loadHfModelDir, type TrainerOptions } from '@cptflow/model';
import { type TorchSettings, TorchEngine } from '@cptflow/torch-engine';

/** Scoring takes no optimizer step; the engine still wants its options. */
const NO_TRAINING: TrainerOptions = { batch: 1, seq: 1, documentMask: false, recomputeLayers: false, adamw: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 } };

export class TorchLogLikelihoodModel implements LogLikelihoodModel {
  private constructor(
    private readonly engine: TorchEngine,
    readonly maxLength: number,
  ) {}

  /** `maxLength` defaults to config.json's max_position_embeddings (as HFLM.max_length). */
  static async fromDir(dir: string, settings: Partial<TorchSettings> & { maxLength?: number } = {}, log?: (line: string) => void): Promise<TorchLogLikelihoodModel> {
    const { maxLength, ...torch } = settings;
    const model = await loadHfModelDir(dir);
    const engine = await TorchEngine.start(model.config, NO_TRAINING, { step: 0, params: Object.fromEntries(model.weights) }, { ...torch, activationCheckpointing: false }, log);
    return new TorchLogLikelihoodModel(engine, maxLength ?? model.config.maxPositionEmbeddings);
  }

  scoreBatch(requests: ScoreRequest[]): Promise<ScoreResult[]> {
    return this.engine.score(requests);
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}

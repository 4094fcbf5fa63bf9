// Test support: reads the golden tiny-llama fixtures (float32 safetensors + JSON).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLlamaConfig } from '../../model-config';
import { readFloat32TensorsSync } from '../../safetensors';
import { LlamaArchitecture } from '../architecture';

export const TINY_LLAMA_DIR = join(__dirname, '..', '..', '..', '..', '..', '..', 'libs', 'model', 'fixtures', 'llama', 'tiny-llama');

/** The float32 tensors of one fixture file (libs/model/src/safetensors' reader). */
export const readF32Safetensors = readFloat32TensorsSync;

export function tinyLlama(): {
  architecture: LlamaArchitecture;
  params: () => Map<string, Float32Array>;
  expected: Map<string, { shape: number[]; data: Float32Array }>;
  expectedPacked: Map<string, { shape: number[]; data: Float32Array }>;
  meta: {
    loss: number;
    loss_packed: number;
    adamw: { lr: number; betas: [number, number]; eps: number; weight_decay: number; decay_params: string[]; no_decay_params: string[] };
    train_curve: { losses: number[]; grad_norms: number[] };
    train_curve_clipped: { losses: number[]; grad_norms: number[]; clip: { max_norm: number } };
  };
  batch: { input_ids: number[][]; labels: number[][] };
  packed: { input_ids: number[][]; labels: number[][]; doc_lengths: number[][]; doc_ids: number[][]; position_ids: number[][] };
  trainBatches: { input_ids: number[][][] };
} {
  const json = (f: string) => JSON.parse(readFileSync(join(TINY_LLAMA_DIR, f), 'utf8'));
  return {
    architecture: parseLlamaConfig(json('config.json')),
    params: () => new Map([...readF32Safetensors(join(TINY_LLAMA_DIR, 'model.safetensors'))].map(([k, v]) => [k, v.data])),
    expected: readF32Safetensors(join(TINY_LLAMA_DIR, 'expected.safetensors')),
    expectedPacked: readF32Safetensors(join(TINY_LLAMA_DIR, 'expected_packed.safetensors')),
    meta: json('expected.json'),
    batch: json('batch.json'),
    packed: json('batch_packed.json'),
    trainBatches: json('train_batches.json'),
  };
}

/** Largest violation of |a − e| ≤ atol + rtol·|e|, in units of the tolerance (> 1 fails). */
export function worstMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number): { index: number; actual: number; expected: number; ratio: number } {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs ${expected.length}`);
  let worst = { index: -1, actual: 0, expected: 0, ratio: 0 };
  for (let i = 0; i < actual.length; i++) {
    const ratio = Math.abs(actual[i] - expected[i]) / (atol + rtol * Math.abs(expected[i]));
    if (!(ratio <= worst.ratio)) worst = { index: i, actual: actual[i], expected: expected[i], ratio };
  }
  return worst;
}

// The golden tiny LLaMA (libs/model's fixture, made by transformers) as the torch engine's tests drive
// it: the fixture, its config, and its AdamW settings as TrainerOptions at 16 tokens with document masks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLlamaConfig, type LlamaConfig, type TrainerOptions } from '@cptflow/model';
import { tinyLlama, TINY_LLAMA_DIR } from '@cptflow/model/testing';

export interface GoldenSetup {
  fx: ReturnType<typeof tinyLlama>;
  config: LlamaConfig;
  /** The fixture's learning rate (its AdamW step was recorded with it). */
  lr: number;
  options: TrainerOptions;
}

export function goldenSetup(overrides: Partial<TrainerOptions> = {}): GoldenSetup {
  const fx = tinyLlama();
  const { lr, betas, eps, weight_decay } = fx.meta.adamw;
  return {
    fx,
    config: parseLlamaConfig(readFileSync(join(TINY_LLAMA_DIR, 'config.json'), 'utf8')),
    lr,
    options: {
      batch: 1,
      seq: 16,
      documentMask: true,
      recomputeLayers: false,
      adamw: { beta1: betas[0], beta2: betas[1], eps, weightDecay: weight_decay },
      maxGradNorm: 1,
      ...overrides,
    },
  };
}

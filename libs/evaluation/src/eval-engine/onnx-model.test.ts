import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  parameterShapes,
  initParameters,
  LlamaConfig,
  ModelConfigError,
  TINY_TEST,
  toHfConfigJson,
  saveSafetensorsModel,
  architectureOf,
  loadHfModelDir,
} from '@cptflow/model';
import { OnnxLogLikelihoodModel } from './onnx-model';
import { tickGapsDuring } from '@cptflow/onnx/testing';

const MEDIUM: LlamaConfig = { ...TINY_TEST, vocabSize: 8000, hiddenSize: 192, numLayers: 3, numHeads: 3, numKvHeads: 1, headDim: 64, intermediateSize: 512, maxPositionEmbeddings: 1024 };

test('the event loop keeps ticking while a batch is scored (ONNX Runtime runs in the worker)', async (t) => {
  const model = await OnnxLogLikelihoodModel.fromWeights({ dir: 'memory', config: MEDIUM, architecture: architectureOf(MEDIUM), weights: initParameters(MEDIUM, 7) }, { intraOpNumThreads: 1 });
  try {
    const requests = Array.from({ length: 12 }, (_, r) => ({
      contextIds: Array.from({ length: 400 }, (_, i) => 1 + ((i * 31 + r * 17) % (MEDIUM.vocabSize - 1))),
      continuationIds: [3, 4, 5],
    }));
    const { maxGapMs, ticks, workMs } = await tickGapsDuring(() => model.scoreBatch(requests));
    t.diagnostic(`scored ${requests.length} × 403 tokens in ${workMs.toFixed(0)} ms; ${ticks} ticks, largest gap ${maxGapMs.toFixed(1)} ms`);
    assert.ok(workMs > 150, `the batch took long enough to matter (${workMs} ms)`);
    assert.ok(maxGapMs < Math.max(100, workMs / 3), `timers kept firing (largest gap ${maxGapMs} ms of ${workMs} ms)`);
  } finally {
    await model.close();
  }
});

test('a model directory that lacks a tensor or disagrees with config.json is refused by name', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-model-dir-'));
  try {
    const a = architectureOf(TINY_TEST);
    const weights = initParameters(TINY_TEST, 1);
    const shapes = new Map(parameterShapes(a).map((p) => [p.name, p.shape]));
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(toHfConfigJson(TINY_TEST)));
    const save = (skip: string, reshape?: string) =>
      saveSafetensorsModel(
        dir,
        [...weights].filter(([n]) => n !== skip).map(([n, data]) => [n, { shape: n === reshape ? [data.length] : shapes.get(n)!, data }]),
      );
    await save('model.layers.1.mlp.up_proj.weight');
    await assert.rejects(loadHfModelDir(dir), (e: Error) => e instanceof ModelConfigError && /weights lack "model\.layers\.1\.mlp\.up_proj\.weight"/.test(e.message));
    await save('', 'model.layers.0.self_attn.k_proj.weight');
    await assert.rejects(loadHfModelDir(dir), /"model\.layers\.0\.self_attn\.k_proj\.weight" has shape \[2048\], config\.json implies \[32,64\]/);
    await save('');
    const ok = await loadHfModelDir(dir);
    assert.equal(ok.weights.size, parameterShapes(a).length);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

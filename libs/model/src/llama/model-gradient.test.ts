// Whole-model gradient check: the LLaMA loss in float64 through ONNX Runtime (optimizations off),
// autodiff's gradient against central finite differences on sampled entries of every parameter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkGradients, CheckInput, randomArray } from '@cptflow/onnx/testing';
import { seededUniform } from '@cptflow/pycompat';
import { elementCount, LlamaArchitecture, parameterShapes } from './architecture';
import { batchFromPackedRows } from './batch';
import { tokenCrossEntropy } from './loss';
import { llamaLogits } from './model';

const tiny: LlamaArchitecture = {
  vocabSize: 11,
  hiddenSize: 8,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 2,
  intermediateSize: 12,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  tieWordEmbeddings: true,
};

for (const [label, architecture, recomputeSegments] of [
  ['tied embeddings, document mask, recomputed layers', tiny, true],
  ['separate lm_head, kept activations', { ...tiny, tieWordEmbeddings: false }, false],
] as const) {
  test(`whole-model gradients match finite differences in float64 (${label})`, async () => {
    const rand = seededUniform(11);
    const batch = batchFromPackedRows([
      { tokens: [1, 5, 9, 2, 7, 3], documentStarts: [0, 4] },
      { tokens: [4, 4, 10, 0, 6, 8], documentStarts: [0] },
    ]);
    const dims = [batch.batch, batch.seq];
    const inputs: Record<string, CheckInput> = {
      input_ids: { dtype: 'int64', dims, data: batch.inputIds, differentiable: false },
      position_ids: { dtype: 'int64', dims, data: batch.positionIds, differentiable: false },
      doc_ids: { dtype: 'int64', dims, data: batch.docIds!, differentiable: false },
      targets: { dtype: 'int64', dims, data: batch.targets, differentiable: false },
    };
    for (const p of parameterShapes(architecture)) {
      const data = randomArray('float64', elementCount(p.shape), rand, 0.5) as Float64Array;
      if (p.shape.length === 1) data.forEach((v, i) => (data[i] = 1 + 0.2 * v));
      inputs[p.name] = { dtype: 'float64', dims: [...p.shape], data };
    }
    const result = await checkGradients(
      inputs,
      (x) => {
        const params = new Map(parameterShapes(architecture).map((p) => [p.name, x[p.name]]));
        const logits = llamaLogits(architecture, params, { inputIds: x.input_ids, positionIds: x.position_ids, docIds: x.doc_ids }, 'float64');
        return tokenCrossEntropy(logits, x.targets).nllSum;
      },
      // absTol covers the round-off of a central difference on a loss of ~25 with h = 1e-6 (~1e-16·25/1e-6).
      { dtype: 'float64', maxEntries: 4, recomputeSegments, relTol: 1e-6, absTol: 1e-8 },
    );
    assert.ok(result.checked >= 4 * parameterShapes(architecture).length);
    const w = result.worst;
    assert.ok(w.error <= 1, `${w.input}[${w.index}]: autodiff ${w.analytic} vs finite difference ${w.numeric}`);
  });
}

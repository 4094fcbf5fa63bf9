// Indexing ops. Gather (embedding lookup) and GatherElements (picking the target's log-prob) have
// scatter-add gradients: ScatterND / ScatterElements with reduction="add" (opset 16+, CPU kernels).
import { attr, Tensor } from '../graph';
import { registerGradient } from '../gradient-registry';
import { normalizeAxis } from '../shape';
import { unsqueeze, zerosLike } from './shape-ops';

/** data[indices] along `axis` (ONNX Gather). */
export function gather(data: Tensor, indices: Tensor, axis = 0): Tensor {
  const a = normalizeAxis(axis, data.rank);
  const shape = [...data.shape.slice(0, a), ...indices.shape, ...data.shape.slice(a + 1)];
  return data.graph.node('Gather', [data, indices], { attrs: { axis: attr.int(a) }, outputs: [{ dtype: data.dtype, shape }] })[0];
}

/** out[i][j] = data[i][indices[i][j]] along `axis` (ONNX GatherElements). */
export function gatherElements(data: Tensor, indices: Tensor, axis: number): Tensor {
  const a = normalizeAxis(axis, data.rank);
  return data.graph.node('GatherElements', [data, indices], {
    attrs: { axis: attr.int(a) },
    outputs: [{ dtype: data.dtype, shape: indices.shape }],
  })[0];
}

export function scatterNDAdd(data: Tensor, indices: Tensor, updates: Tensor): Tensor {
  return data.graph.node('ScatterND', [data, indices, updates], { attrs: { reduction: attr.string('add') } })[0];
}

export function scatterElementsAdd(data: Tensor, indices: Tensor, updates: Tensor, axis: number): Tensor {
  return data.graph.node('ScatterElements', [data, indices, updates], {
    attrs: { axis: attr.int(axis), reduction: attr.string('add') },
  })[0];
}

registerGradient('Gather', ({ node, dys: [dy] }) => {
  const [data, indices] = node.inputs as Tensor[];
  if ((node.attrs.axis as { value: number }).value !== 0) throw new Error('Gather gradient supports axis 0 only');
  // Rows picked several times accumulate: scatter-add every dy row into a zero table.
  return [scatterNDAdd(zerosLike(data), unsqueeze(indices, [-1]), dy!), undefined];
});

registerGradient('GatherElements', ({ node, dys: [dy] }) => {
  const [data, indices] = node.inputs as Tensor[];
  const axis = (node.attrs.axis as { value: number }).value;
  return [scatterElementsAdd(zerosLike(data), indices, dy!, axis), undefined];
});

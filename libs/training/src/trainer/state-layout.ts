// How the trainer's state maps onto libs/training/src/checkpoint's shards: every parameter with its two AdamW
// moments, grouped per transformer layer, so a shard holds whole layers (the unit a ZeRO-3 replica
// would own) and the embedding its own shard(s).
import { Manifest, planShards, ShardLayout } from '../checkpoint';
import { parameterShapes, LlamaArchitecture } from '@cptflow/model';

/** Checkpoint names of a parameter's AdamW moments (torch's state names, prefixed to the HF name). */
export const momentName = (param: string) => `exp_avg.${param}`;
export const varianceName = (param: string) => `exp_avg_sq.${param}`;

export function groupOf(param: string): string {
  const layer = /^model\.layers\.(\d+)\./.exec(param);
  return layer ? `layer.${layer[1]}` : param;
}

export function stateShards(architecture: LlamaArchitecture, maxShardBytes: number): ShardLayout[] {
  const specs = parameterShapes(architecture).flatMap((p) => {
    // A layer's tensors share a shard; an embedding-sized tensor and its moments get one each.
    const layer = groupOf(p.name);
    const group = (name: string) => (layer === p.name ? name : layer);
    return [p.name, momentName(p.name), varianceName(p.name)].map((name) => ({ name, shape: p.shape, group: group(name) }));
  });
  return planShards(specs, maxShardBytes);
}

/**
 * Why a checkpoint cannot hold this model's state, or null when it can: the checkpoint directory is
 * another model's (a tensor of another shape, one missing, or one more such as an extra layer, which
 * would otherwise be left out silently). Compared by name and shape, so a checkpoint saved with
 * another shard size still fits.
 */
export function stateMismatch(manifest: Manifest, architecture: LlamaArchitecture): string | null {
  const saved = new Map(manifest.shards.flatMap((s) => s.tensors.map((t) => [t.name, t.shape] as const)));
  const needed = new Set<string>();
  for (const p of parameterShapes(architecture)) {
    for (const name of [p.name, momentName(p.name), varianceName(p.name)]) {
      needed.add(name);
      const shape = saved.get(name);
      if (!shape) return `it has no tensor "${name}"`;
      if (shape.join() !== p.shape.join()) return `tensor "${name}" is [${shape.join(',')}] there; the model needs [${p.shape.join(',')}]`;
    }
  }
  const extra = [...saved.keys()].find((name) => !needed.has(name));
  return extra === undefined ? null : `it holds "${extra}", which the model does not have`;
}

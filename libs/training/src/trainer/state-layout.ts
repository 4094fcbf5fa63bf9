// How the trainer's state maps onto libs/training/src/checkpoint's shards: every parameter with its two AdamW
// moments, grouped per transformer layer, so a shard holds whole layers (the unit a ZeRO-3 replica
// would own) and the embedding its own shard(s).
import { planShards, ShardLayout } from '../checkpoint';
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

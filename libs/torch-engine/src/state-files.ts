// Engine state <-> the state.safetensors file the worker group reads at init and writes on a
// snapshot: parameters under HF names, `exp_avg.<name>` / `exp_avg_sq.<name>` (libs/training/src/trainer's
// checkpoint names), AdamW's step in the metadata. Files, not the socket: a 125M model's state is 1.5 GB.
import { join } from 'node:path';
import {
  parameterShapes,
  type LlamaArchitecture,
  SafetensorsReader,
  writeSafetensors,
  type TensorToWrite,
} from '@cptflow/model';
import { momentName, varianceName, type EngineState } from '@cptflow/training';

export const STATE_FILE = 'state.safetensors';

export async function writeStateFile(dir: string, architecture: LlamaArchitecture, state: EngineState): Promise<void> {
  const tensors: Array<[string, TensorToWrite]> = [];
  for (const p of parameterShapes(architecture)) {
    const params = state.params[p.name];
    if (!params) throw new Error(`engine state lacks parameter ${p.name}`);
    tensors.push([p.name, { shape: p.shape, data: params }]);
    if (state.step > 0) {
      const m = state.expAvg?.[p.name];
      const v = state.expAvgSq?.[p.name];
      if (!m || !v) throw new Error(`engine state at step ${state.step} lacks the AdamW moments of ${p.name}`);
      tensors.push([momentName(p.name), { shape: p.shape, data: m }], [varianceName(p.name), { shape: p.shape, data: v }]);
    }
  }
  await writeSafetensors(join(dir, STATE_FILE), tensors, { metadata: { step: String(state.step) } });
}

export async function readStateFile(dir: string, architecture: LlamaArchitecture): Promise<Required<EngineState>> {
  const reader = await SafetensorsReader.open(join(dir, STATE_FILE));
  try {
    const state: Required<EngineState> = { step: Number(reader.metadata?.step ?? NaN), params: {}, expAvg: {}, expAvgSq: {} };
    if (!Number.isInteger(state.step)) throw new Error(`${STATE_FILE} has no step in its metadata`);
    for (const p of parameterShapes(architecture)) {
      state.params[p.name] = await reader.readFloat32(p.name);
      state.expAvg[p.name] = await reader.readFloat32(momentName(p.name));
      state.expAvgSq[p.name] = await reader.readFloat32(varianceName(p.name));
    }
    return state;
  } finally {
    await reader.close();
  }
}

// Writes a .safetensors file tensor by tensor (header first, then each tensor's bytes appended),
// converting float32 data to F16/BF16/F64 on the way when asked, so saving a model needs no second
// copy of all its weights.
import { open } from 'node:fs/promises';
import { DType, DTYPE_BYTES, dtypeOfArray, fromFloat32, TensorData } from './dtypes';
import { encodeHeader, SafetensorsError } from './header';

export interface TensorToWrite {
  readonly shape: readonly number[];
  /** Raw elements, or float32 values to be stored as `dtype`. */
  readonly data: TensorData;
  /** Stored dtype. Defaults to the array's own (F32 for Float32Array; give F16/BF16 for Uint16Array). */
  readonly dtype?: DType;
}

export interface WriteOptions {
  readonly metadata?: Record<string, string>;
  /** fsync the file before resolving (for checkpoints that must survive a power cut). */
  readonly fsync?: boolean;
}

/** Resolve the stored dtype and the raw bytes for one tensor, converting float32 when needed. */
export function encodeTensor(name: string, tensor: TensorToWrite): { dtype: DType; bytes: Uint8Array } {
  const own = dtypeOfArray(tensor.data);
  const dtype = tensor.dtype ?? own;
  let data = tensor.data;
  if (dtype !== own) {
    const halfPattern = own === 'F16' && (dtype === 'BF16' || dtype === 'F16');
    const boolBytes = own === 'U8' && dtype === 'BOOL';
    if (own === 'F32') data = fromFloat32(dtype, tensor.data as Float32Array);
    else if (!halfPattern && !boolBytes) {
      throw new SafetensorsError(`tensor "${name}": cannot store ${own} data as ${dtype}`);
    }
  }
  const elements = tensor.shape.reduce((a, b) => a * b, 1);
  if (data.length !== elements) {
    throw new SafetensorsError(`tensor "${name}": shape ${JSON.stringify(tensor.shape)} needs ${elements} elements, got ${data.length}`);
  }
  return { dtype, bytes: new Uint8Array(data.buffer, data.byteOffset, elements * DTYPE_BYTES[dtype]) };
}

/** Write `tensors` (in the iteration order given) to `path`. */
export async function writeSafetensors(
  path: string,
  tensors: Iterable<[string, TensorToWrite]>,
  options: WriteOptions = {},
): Promise<number> {
  const list = [...tensors];
  // Encode lazily: only the header needs every entry's dtype and size up front.
  const entries = list.map(([name, t]) => {
    const own = dtypeOfArray(t.data);
    const dtype = t.dtype ?? own;
    const elements = t.shape.reduce((a, b) => a * b, 1);
    return { name, dtype, shape: t.shape, byteLength: elements * DTYPE_BYTES[dtype] };
  });
  const header = encodeHeader(entries, options.metadata);
  const handle = await open(path, 'w');
  try {
    let position = 0;
    position += (await handle.write(header, 0, header.byteLength, position)).bytesWritten;
    for (const [name, tensor] of list) {
      const { bytes } = encodeTensor(name, tensor);
      let done = 0;
      while (done < bytes.byteLength) {
        const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, position + done);
        done += bytesWritten;
      }
      position += bytes.byteLength;
    }
    if (options.fsync) await handle.sync();
    return position;
  } finally {
    await handle.close();
  }
}

// Reads tensors out of one .safetensors file with positioned reads: opening parses only the header,
// and each tensor is read on demand from its own byte range, so a 500 MB checkpoint never has to be
// in memory at once.
import { readFileSync } from 'node:fs';
import { open, FileHandle } from 'node:fs/promises';
import { TensorData, toFloat32, viewAs } from './dtypes';
import { parseHeader, readHeaderLength, SafetensorsError, TensorInfo } from './header';

export class SafetensorsReader {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly tensors: ReadonlyMap<string, TensorInfo>,
    readonly metadata: Readonly<Record<string, string>>,
  ) {}

  static async open(path: string): Promise<SafetensorsReader> {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      const prefix = await readExactly(handle, 0, Math.min(8, size), path);
      const headerLength = readHeaderLength(prefix, path, size);
      const json = await readExactly(handle, 8, headerLength, path);
      const { tensors, metadata } = parseHeader(json, path, size);
      return new SafetensorsReader(path, handle, tensors, metadata);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  names(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  info(name: string): TensorInfo {
    const info = this.tensors.get(name);
    if (!info) throw new SafetensorsError(`${this.path}: no tensor named "${name}"`);
    return info;
  }

  /** The tensor's raw little-endian bytes, in a fresh (hence aligned) buffer. */
  async readBytes(name: string): Promise<Uint8Array> {
    const info = this.info(name);
    return readExactly(this.handle, info.fileOffset, info.byteLength, this.path);
  }

  /** The tensor as a typed array of its own dtype (F16/BF16 as raw 16-bit patterns). */
  async read(name: string): Promise<TensorData> {
    return viewAs(this.info(name).dtype, await this.readBytes(name));
  }

  /** A floating tensor (F64, F32, F16 or BF16) widened or narrowed to float32. */
  async readFloat32(name: string): Promise<Float32Array> {
    const info = this.info(name);
    return toFloat32(info.dtype, await this.read(name));
  }

  /** Rows [start, start + count) along the first dimension, read without touching the other rows. */
  async readRows(name: string, start: number, count: number): Promise<TensorData> {
    const info = this.info(name);
    const rows = info.shape[0];
    if (info.shape.length === 0 || start < 0 || count < 0 || start + count > rows) {
      throw new SafetensorsError(`${this.path}: rows [${start}, ${start + count}) out of range for "${name}" ${JSON.stringify(info.shape)}`);
    }
    const rowBytes = rows === 0 ? 0 : info.byteLength / rows;
    const bytes = await readExactly(this.handle, info.fileOffset + start * rowBytes, count * rowBytes, this.path);
    return viewAs(info.dtype, bytes);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

async function readExactly(handle: FileHandle, position: number, length: number, path: string): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(out, done, length - done, position + done);
    if (bytesRead === 0) throw new SafetensorsError(`${path}: unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
  return out;
}


/**
 * Every tensor of a small file (a test fixture, a reference model), read at once and synchronously,
 * floating dtypes widened or narrowed to float32; same checks as `SafetensorsReader.open`.
 */
export function readFloat32TensorsSync(path: string): Map<string, { shape: number[]; data: Float32Array }> {
  const bytes = readFileSync(path);
  const headerLength = readHeaderLength(bytes.subarray(0, 8), path, bytes.byteLength);
  const { tensors } = parseHeader(bytes.subarray(8, 8 + headerLength), path, bytes.byteLength);
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const info of tensors.values()) {
    // a copy, so that the typed array view is aligned whatever the tensor's offset in the file
    const copy = new Uint8Array(bytes.subarray(info.fileOffset, info.fileOffset + info.byteLength));
    out.set(info.name, { shape: [...info.shape], data: toFloat32(info.dtype, viewAs(info.dtype, copy)) });
  }
  return out;
}

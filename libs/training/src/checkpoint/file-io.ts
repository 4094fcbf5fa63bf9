// Positioned file I/O for shard files. Node has no built-in mmap, so offloaded shards are plain files
// read and written whole at known offsets through a FileHandle; the OS page cache does the rest.
import { createHash, Hash } from 'node:crypto';
import { FileHandle, open } from 'node:fs/promises';

export async function readFully(handle: FileHandle, out: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < out.byteLength) {
    const { bytesRead } = await handle.read(out, done, out.byteLength - done, position + done);
    if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
}

export async function writeFully(handle: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.byteLength) {
    const { bytesWritten } = await handle.write(data, done, data.byteLength - done, position + done);
    done += bytesWritten;
  }
}

export function bytesOf(data: Float32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** fsync a directory so a rename or a new entry in it survives a power cut. */
export async function fsyncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Copy `length` bytes between files in chunks, feeding them to `hash` on the way. */
export async function copyRange(
  from: FileHandle,
  fromPosition: number,
  to: FileHandle,
  toPosition: number,
  length: number,
  hash?: Hash,
  chunkBytes = 8 << 20,
): Promise<void> {
  const chunk = new Uint8Array(Math.min(chunkBytes, Math.max(1, length)));
  for (let done = 0; done < length; ) {
    const n = Math.min(chunk.byteLength, length - done);
    const view = chunk.subarray(0, n);
    await readFully(from, view, fromPosition + done);
    hash?.update(view);
    await writeFully(to, view, toPosition + done);
    done += n;
  }
}

export async function sha256OfFile(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const hash = createHash('sha256');
    const { size } = await handle.stat();
    const chunk = new Uint8Array(Math.min(8 << 20, Math.max(1, size)));
    for (let done = 0; done < size; ) {
      const n = Math.min(chunk.byteLength, size - done);
      await readFully(handle, chunk.subarray(0, n), done);
      hash.update(chunk.subarray(0, n));
      done += n;
    }
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}

/** Run `tasks` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return results;
}

// Sizes and sha256 of the files of a directory that one service writes and another reads (a
// checkpoint's Hugging Face export): the writer lists them, the reader verifies them before use, so
// a damaged or swapped file is refused instead of being read as a model.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from './layout';
import { sha256OfFile } from './file-io';

export interface FileDigest {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** A file that is missing, has another size, or another sha256 than listed. */
export class FileDigestMismatch extends CheckpointError {
  constructor(message: string) {
    super(message);
    this.name = 'FileDigestMismatch';
  }
}

export async function digestFiles(dir: string, names: readonly string[]): Promise<FileDigest[]> {
  const out: FileDigest[] = [];
  for (const name of names) {
    const path = join(dir, name);
    out.push({ name, bytes: (await stat(path)).size, sha256: await sha256OfFile(path) });
  }
  return out;
}

/** Throws FileDigestMismatch naming the first file that is not as listed (sizes first: cheap). */
export async function verifyFileDigests(dir: string, digests: readonly FileDigest[]): Promise<void> {
  for (const d of digests) {
    if (typeof d.name !== 'string' || d.name === '' || d.name.includes('/') || d.name.startsWith('..')) {
      throw new FileDigestMismatch(`${dir}: listed file name ${JSON.stringify(d.name)} is not a plain file name`);
    }
  }
  for (const d of digests) {
    const size = await stat(join(dir, d.name)).then((s) => s.size, () => -1);
    if (size < 0) throw new FileDigestMismatch(`${join(dir, d.name)}: missing`);
    if (size !== Number(d.bytes)) throw new FileDigestMismatch(`${join(dir, d.name)}: ${size} bytes, ${d.bytes} listed`);
  }
  for (const d of digests) {
    if ((await sha256OfFile(join(dir, d.name))) !== d.sha256) throw new FileDigestMismatch(`${join(dir, d.name)}: sha256 differs from the one listed`);
  }
}

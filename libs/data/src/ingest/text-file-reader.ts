// A folder of .txt/.md files: each file is one document (no source id, so the id is the content hash).
import { readFile, stat } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { IngestItem, rejectedItem } from './ingest-item';
import { ReaderOptions } from './reader-options';
import { recordToItem } from './record-to-document';
import { decodeUtf8Strict } from './utf8';

export async function readTextFile(path: string, source: string, options: ReaderOptions): Promise<IngestItem> {
  const { size } = await stat(path);
  if (size > options.maxDocumentBytes) {
    return rejectedItem({
      reason: 'oversize',
      detail: `file is ${size} bytes, above maxDocumentBytes ${options.maxDocumentBytes} (original truncated)`,
      original: await readPrefix(path, options.maxRejectedBytes),
      source,
      locator: source,
    });
  }
  const bytes = await readFile(path);
  const text = decodeUtf8Strict(bytes);
  if (text === undefined) {
    return rejectedItem({ reason: 'invalid_utf8', detail: 'file is not valid UTF-8', original: bytes, source, locator: source });
  }
  return recordToItem({ [options.textField]: text }, { source, locator: source, original: () => bytes }, options);
}

async function readPrefix(path: string, bytes: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

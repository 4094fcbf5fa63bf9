// Request-size limit enforced while streaming: bytes are counted as they arrive and the read stops at
// the first chunk past the limit, so an oversize upload is never buffered.
import { IngestHttpError } from './http-error';

export class PayloadTooLargeError extends IngestHttpError {
  /** Tells openJsonlStream to stop the run rather than dead-letter the rest of the upload. */
  readonly stopsIngest = true;

  constructor(limit: number) {
    super(413, `request body exceeds the ${limit}-byte upload limit`, { Connection: 'close' });
  }
}

/** Rejects up front when a declared Content-Length is already past the limit. */
export function checkDeclaredLength(contentLength: string | number | undefined, limit: number): number | undefined {
  if (contentLength === undefined || contentLength === '') return undefined;
  const declared = Number(contentLength);
  if (!Number.isFinite(declared) || declared < 0) throw new IngestHttpError(400, 'invalid Content-Length');
  if (declared > limit) throw new PayloadTooLargeError(limit);
  return declared;
}

export async function* limitBytes(body: AsyncIterable<Buffer | Uint8Array | string>, limit: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of body) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    total += bytes.length;
    if (total > limit) throw new PayloadTooLargeError(limit);
    yield bytes;
  }
}

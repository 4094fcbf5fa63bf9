// Streaming zstd for Node 20 (which has no zstd in zlib) on top of fzstd's incremental decoder.
import { Transform, TransformCallback } from 'node:stream';
import { Decompress } from 'fzstd';

export class ZstdDecompressStream extends Transform {
  private readonly decoder: Decompress;

  constructor() {
    super();
    this.decoder = new Decompress((data) => {
      // Copy: the decoder may reuse its block buffer once the callback returns.
      if (data.length > 0) this.push(Buffer.from(data));
    });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.decoder.push(chunk);
      callback();
    } catch (err) {
      callback(asError(err, 'corrupt zstd data'));
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      // Tells the decoder the input ended; it throws if that happened inside a frame.
      this.decoder.push(new Uint8Array(0), true);
      callback();
    } catch (err) {
      callback(asError(err, 'truncated zstd data'));
    }
  }
}

function asError(err: unknown, what: string): Error {
  return new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`);
}

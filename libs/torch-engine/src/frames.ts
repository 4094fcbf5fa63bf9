// Length-prefixed frames (uint32 little-endian + payload) over a stream socket: the framing of the
// trainer <-> worker-group channel (the Python side is cptflow_torch/wire.py).
import type { Socket } from 'node:net';

export const MAX_FRAME_BYTES = 2 ** 31 - 1;

export function frame(payload: Uint8Array): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32LE(payload.byteLength, 0);
  return Buffer.concat([header, payload]);
}

/** Calls `onFrame` for every complete frame arriving on `socket`, in order. */
export function readFrames(socket: Socket, onFrame: (payload: Buffer) => void, onError: (error: Error) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 4) {
      const length = pending.readUInt32LE(0);
      if (length > MAX_FRAME_BYTES) return onError(new Error(`frame of ${length} bytes`));
      if (pending.length < 4 + length) break;
      onFrame(pending.subarray(4, 4 + length));
      pending = pending.subarray(4 + length);
    }
  });
}

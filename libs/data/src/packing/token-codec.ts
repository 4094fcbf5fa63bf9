// The token payload of PackedSequence.tokens: little-endian unsigned integers, 2 bytes each when
// every id fits (vocabulary <= 65,536, datatrove's rule for its .ds files), else 4. Shared by the
// packer (writer) and the trainer (reader).

export type TokenWidth = 2 | 4;

export function tokenWidthForVocab(vocabSize: number): TokenWidth {
  if (!Number.isInteger(vocabSize) || vocabSize < 1) throw new RangeError(`invalid vocabulary size ${vocabSize}`);
  return vocabSize <= 65536 ? 2 : 4;
}

export function encodeTokens(ids: ArrayLike<number>, width: TokenWidth): Uint8Array {
  const out = new Uint8Array(ids.length * width);
  const view = new DataView(out.buffer);
  const max = width === 2 ? 0xffff : 0xffffffff;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id > max) throw new RangeError(`token id ${id} does not fit in ${width} bytes`);
    if (width === 2) view.setUint16(i * 2, id, true);
    else view.setUint32(i * 4, id, true);
  }
  return out;
}

export function decodeTokens(bytes: Uint8Array, width: TokenWidth): Uint32Array {
  if (width !== 2 && width !== 4) throw new RangeError(`token width must be 2 or 4, got ${width}`);
  if (bytes.byteLength % width !== 0) throw new RangeError(`${bytes.byteLength} bytes is not a multiple of token width ${width}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint32Array(bytes.byteLength / width);
  for (let i = 0; i < out.length; i++) out[i] = width === 2 ? view.getUint16(i * 2, true) : view.getUint32(i * 4, true);
  return out;
}

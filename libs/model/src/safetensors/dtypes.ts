// The element types of the safetensors format and the conversions cptflow needs between them.
// Half-precision conversions round to nearest, ties to even, as torch's `.to(torch.float16)` and
// `.to(torch.bfloat16)` do, so a tensor saved here matches one saved from PyTorch bit for bit.
import { endianness } from 'node:os';

export type DType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BYTES, value);
}

/** The typed array that holds each dtype's raw elements (F16 and BF16 as their 16-bit patterns). */
export type TypedArrayFor<D extends DType> = D extends 'F64'
  ? Float64Array
  : D extends 'F32'
    ? Float32Array
    : D extends 'F16' | 'BF16'
      ? Uint16Array
      : D extends 'I64'
        ? BigInt64Array
        : D extends 'I32'
          ? Int32Array
          : D extends 'I16'
            ? Int16Array
            : D extends 'I8'
              ? Int8Array
              : Uint8Array;

export type TensorData =
  | Float64Array
  | Float32Array
  | Uint16Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

// safetensors stores little-endian data; typed arrays use the host's order. Every platform Node
// ships for today is little-endian; refuse loudly rather than return byte-swapped numbers.
if (endianness() !== 'LE') {
  throw new Error('libs/model/src/safetensors assumes a little-endian host');
}

/** A typed view of `bytes` (which must start at an offset aligned to the element size). */
export function viewAs(dtype: DType, bytes: Uint8Array): TensorData {
  const { buffer, byteOffset, byteLength } = bytes;
  const n = byteLength / DTYPE_BYTES[dtype];
  switch (dtype) {
    case 'F64':
      return new Float64Array(buffer, byteOffset, n);
    case 'F32':
      return new Float32Array(buffer, byteOffset, n);
    case 'F16':
    case 'BF16':
      return new Uint16Array(buffer, byteOffset, n);
    case 'I64':
      return new BigInt64Array(buffer, byteOffset, n);
    case 'I32':
      return new Int32Array(buffer, byteOffset, n);
    case 'I16':
      return new Int16Array(buffer, byteOffset, n);
    case 'I8':
      return new Int8Array(buffer, byteOffset, n);
    case 'U8':
    case 'BOOL':
      return new Uint8Array(buffer, byteOffset, n);
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  u32[0] = ((h & 0x8000) << 16) | ((exponent + 112) << 23) | (mantissa << 13);
  return f32[0];
}

export function f32ToF16Bits(value: number): number {
  f32[0] = value;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const magnitude = bits & 0x7fffffff;
  if (magnitude >= 0x7f800000) return magnitude > 0x7f800000 ? sign | 0x7e00 : sign | 0x7c00;
  // 65520 is halfway between the largest half (65504) and 2^16; ties-to-even rounds it up to infinity.
  if (magnitude >= 0x477ff000) return sign | 0x7c00;
  if (magnitude < 0x38800000) {
    // Below the smallest normal half (2^-14): a subnormal count of 2^-24 units, rounded half to even.
    // Exact in float64 because a float32 times 2^24 needs no extra mantissa bits.
    const units = Math.abs(f32[0]) * 16777216;
    return sign | roundHalfEven(units);
  }
  let half = (magnitude - 0x38000000) >>> 13; // rebias exponent 127 -> 15, keep the top 10 mantissa bits
  const rest = magnitude & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half += 1; // a carry correctly bumps the exponent
  return sign | half;
}

export function bf16BitsToF32(b: number): number {
  u32[0] = b << 16;
  return f32[0];
}

export function f32ToBf16Bits(value: number): number {
  f32[0] = value;
  const bits = u32[0];
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x40) & 0xffff; // keep NaN a (quiet) NaN
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Decode any floating dtype's raw elements into float32. */
export function toFloat32(dtype: DType, data: TensorData): Float32Array {
  switch (dtype) {
    case 'F32':
      return data as Float32Array;
    case 'F64':
      return Float32Array.from(data as Float64Array);
    case 'F16': {
      const src = data as Uint16Array;
      const out = new Float32Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = f16BitsToF32(src[i]);
      return out;
    }
    case 'BF16': {
      // A bfloat16 is the top half of a float32: widen by shifting into a Uint32 view of the output.
      const src = data as Uint16Array;
      const out = new Float32Array(src.length);
      const outBits = new Uint32Array(out.buffer);
      for (let i = 0; i < src.length; i++) outBits[i] = src[i] << 16;
      return out;
    }
    default:
      throw new TypeError(`cannot convert ${dtype} to float32: not a floating dtype`);
  }
}

/** Encode float32 values as the raw elements of a floating dtype. */
export function fromFloat32(dtype: DType, data: Float32Array): TensorData {
  switch (dtype) {
    case 'F32':
      return data;
    case 'F64':
      return Float64Array.from(data);
    case 'F16': {
      const out = new Uint16Array(data.length);
      for (let i = 0; i < data.length; i++) out[i] = f32ToF16Bits(data[i]);
      return out;
    }
    case 'BF16': {
      const out = new Uint16Array(data.length);
      for (let i = 0; i < data.length; i++) out[i] = f32ToBf16Bits(data[i]);
      return out;
    }
    default:
      throw new TypeError(`cannot convert float32 to ${dtype}: not a floating dtype`);
  }
}

/** The dtype whose typed array `data` is (F16/BF16 share Uint16Array, so they are not inferred). */
export function dtypeOfArray(data: TensorData): DType {
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof BigInt64Array) return 'I64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof Int16Array) return 'I16';
  if (data instanceof Int8Array) return 'I8';
  if (data instanceof Uint8Array) return 'U8';
  return 'F16';
}

// Element types the graph library emits, with their ONNX TensorProto.DataType codes.
export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool';

export const ONNX_DATA_TYPE: Record<DType, number> = {
  float32: 1,
  int32: 6,
  int64: 7,
  bool: 9,
  float64: 11,
};

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

export type TypedArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int64'
      ? BigInt64Array
      : D extends 'int32'
        ? Int32Array
        : Uint8Array;

export type AnyTypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

/** Little-endian bytes of a typed array (ONNX raw_data layout on every platform Node runs on). */
export function toRawBytes(data: AnyTypedArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export function typedArrayOf(dtype: DType, values: ArrayLike<number> | ArrayLike<bigint>): AnyTypedArray {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values as ArrayLike<number>);
    case 'float64':
      return Float64Array.from(values as ArrayLike<number>);
    case 'int64':
      return BigInt64Array.from(Array.from(values as ArrayLike<number | bigint>, (v) => BigInt(v)));
    case 'int32':
      return Int32Array.from(values as ArrayLike<number>);
    case 'bool':
      return Uint8Array.from(values as ArrayLike<number>, (v) => (v ? 1 : 0));
  }
}

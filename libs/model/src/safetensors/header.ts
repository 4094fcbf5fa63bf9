// The safetensors header: an 8-byte little-endian length, then that many bytes of JSON mapping each
// tensor name to { dtype, shape, data_offsets: [begin, end) } relative to the data that follows,
// plus an optional "__metadata__" map of strings. Parsing validates everything a reader relies on,
// so a truncated or hand-edited file fails here with a message naming the file and the problem.
import { DType, DTYPE_BYTES, isDType } from './dtypes';

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

/** Upper bound on the header size, the same one the reference implementation enforces (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;
export const METADATA_KEY = '__metadata__';

export interface TensorInfo {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Offset of the tensor's first byte from the start of the file. */
  readonly fileOffset: number;
  readonly byteLength: number;
}

export interface ParsedHeader {
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  readonly metadata: Readonly<Record<string, string>>;
  /** 8 + the JSON length: where the data section starts. */
  readonly dataStart: number;
}

export function readHeaderLength(prefix: Uint8Array, source: string, fileSize: number): number {
  if (prefix.byteLength < 8 || fileSize < 8) {
    throw new SafetensorsError(`${source}: file is ${fileSize} bytes, too short for a safetensors header`);
  }
  const length = Buffer.from(prefix.buffer, prefix.byteOffset, 8).readBigUInt64LE(0);
  if (length > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(`${source}: header length ${length} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  if (Number(length) + 8 > fileSize) {
    throw new SafetensorsError(`${source}: header length ${length} runs past the end of the ${fileSize}-byte file`);
  }
  return Number(length);
}

export function parseHeader(json: Uint8Array, source: string, fileSize: number): ParsedHeader {
  const dataStart = 8 + json.byteLength;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString('utf8'));
  } catch (err) {
    throw new SafetensorsError(`${source}: header is not valid JSON (${(err as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SafetensorsError(`${source}: header must be a JSON object`);
  }

  const metadata: Record<string, string> = {};
  const entries: Array<{ info: TensorInfo; begin: number; end: number }> = [];
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new SafetensorsError(`${source}: "${METADATA_KEY}" must be an object of strings`);
      }
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new SafetensorsError(`${source}: metadata "${k}" is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    entries.push(parseEntry(name, value, source, dataStart));
  }

  // The data section must be covered exactly: tensors back to back from 0 to its end, no gaps or overlaps.
  const dataLength = fileSize - dataStart;
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const { info, begin, end } of entries) {
    if (begin !== cursor) {
      throw new SafetensorsError(
        `${source}: tensor "${info.name}" starts at data offset ${begin}, expected ${cursor} (gap or overlap)`,
      );
    }
    cursor = end;
  }
  if (cursor !== dataLength) {
    throw new SafetensorsError(
      `${source}: tensors cover ${cursor} bytes but the data section is ${dataLength} bytes (truncated or padded file)`,
    );
  }
  return { tensors: new Map(entries.map((e) => [e.info.name, e.info])), metadata, dataStart };
}

function parseEntry(name: string, value: unknown, source: string, dataStart: number) {
  const where = `${source}: tensor "${name}"`;
  if (value === null || typeof value !== 'object') throw new SafetensorsError(`${where} is not an object`);
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (!isDType(dtype)) throw new SafetensorsError(`${where} has unsupported dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError(`${where} has an invalid shape ${JSON.stringify(shape)}`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[1] < offsets[0]
  ) {
    throw new SafetensorsError(`${where} has invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  const expected = elements * DTYPE_BYTES[dtype];
  if (end - begin !== expected) {
    throw new SafetensorsError(
      `${where}: ${dtype}${JSON.stringify(shape)} needs ${expected} bytes but data_offsets span ${end - begin}`,
    );
  }
  const info: TensorInfo = { name, dtype, shape: shape as number[], fileOffset: dataStart + begin, byteLength: expected };
  return { info, begin, end };
}

export interface HeaderEntry {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly byteLength: number;
}

/**
 * Serialise a header for tensors laid out in the given order. The JSON is padded with spaces to a
 * multiple of 8 bytes (as the reference writer does) so the data section starts 8-byte aligned.
 */
export function encodeHeader(entries: readonly HeaderEntry[], metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const e of entries) {
    if (e.name === METADATA_KEY) throw new SafetensorsError(`"${METADATA_KEY}" is reserved and cannot name a tensor`);
    if (Object.prototype.hasOwnProperty.call(header, e.name)) throw new SafetensorsError(`duplicate tensor "${e.name}"`);
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.byteLength] };
    offset += e.byteLength;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.byteLength / 8) * 8;
  if (padded !== json.byteLength) json = Buffer.concat([json, Buffer.alloc(padded - json.byteLength, 0x20)]);
  const out = Buffer.alloc(8 + json.byteLength);
  out.writeBigUInt64LE(BigInt(json.byteLength), 0);
  json.copy(out, 8);
  return out;
}

// Strict UTF-8: a lossy decoder would silently turn bad bytes into U+FFFD and hide corrupt input.
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The decoded string, or undefined when the bytes are not valid UTF-8. */
export function decodeUtf8Strict(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** A string column value whose bytes were not valid UTF-8 (Parquet readers hand these over unchanged). */
export class InvalidUtf8Bytes {
  constructor(readonly bytes: Buffer) {}
}

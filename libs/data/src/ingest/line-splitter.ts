// Splits a byte stream into lines without ever holding more than one bounded line in memory.
// A line longer than the budget is not accumulated: its first bytes are kept (for the dead letter)
// and the rest is skipped up to the next newline, so one runaway record cannot exhaust memory.

export interface Line {
  /** 1-based line number in the decoded stream. */
  number: number;
  /** The line without its terminator ("\n" or "\r\n"); only a prefix when `oversize`. */
  bytes: Buffer;
  /** True when the line was longer than maxLineBytes. */
  oversize: boolean;
  /** The line's full length in bytes, also when only a prefix was kept. */
  length: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export async function* splitLines(
  chunks: AsyncIterable<Buffer>,
  maxLineBytes: number,
  keepOversizeBytes: number,
): AsyncGenerator<Line> {
  let parts: Buffer[] = [];
  let kept = 0; // bytes held in `parts`
  let length = 0; // bytes of the current line seen so far
  let oversize = false;
  let number = 0;

  const take = (segment: Buffer): void => {
    length += segment.length;
    if (!oversize && length > maxLineBytes) {
      oversize = true;
      // From here on only a prefix is kept: drop what exceeds it.
      const all = Buffer.concat([...parts, segment]);
      parts = [all.subarray(0, Math.min(keepOversizeBytes, all.length))];
      kept = parts[0]!.length;
      return;
    }
    if (oversize) {
      if (kept < keepOversizeBytes) {
        const piece = segment.subarray(0, keepOversizeBytes - kept);
        parts.push(piece);
        kept += piece.length;
      }
      return;
    }
    parts.push(segment);
    kept += segment.length;
  };

  const finish = (): Line => {
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, kept);
    let lineLength = length;
    if (!oversize && bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN) {
      bytes = bytes.subarray(0, bytes.length - 1);
      lineLength -= 1;
    }
    const line: Line = { number: ++number, bytes, oversize, length: lineLength };
    parts = [];
    kept = 0;
    length = 0;
    oversize = false;
    return line;
  };

  for await (const chunk of chunks) {
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) break;
      // Copy out of the chunk so a yielded line does not pin the whole read buffer.
      take(Buffer.from(chunk.subarray(start, end)));
      yield finish();
      start = end + 1;
    }
    if (start < chunk.length) take(Buffer.from(chunk.subarray(start)));
  }
  if (length > 0) yield finish();
}

// Parquet (FineWeb / FineWeb-Edu shards): read one row group at a time, so memory follows the row group,
// not the file. Strings are decoded strictly so an invalid-UTF-8 text is dead-lettered, not mangled.
import { open, type FileHandle } from 'node:fs/promises';
import { parquetMetadataAsync, parquetRead, type AsyncBuffer, type ParquetRow } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { ExpansionBudget } from './byte-stream';
import { IngestItem, rejectedItem } from './ingest-item';
import { ReaderOptions } from './reader-options';
import { jsonWithBigInts, recordToItem } from './record-to-document';
import { decodeUtf8Strict, InvalidUtf8Bytes } from './utf8';

const strictStrings = {
  stringFromBytes(bytes: Uint8Array): string | InvalidUtf8Bytes {
    return decodeUtf8Strict(bytes) ?? new InvalidUtf8Bytes(Buffer.from(bytes));
  },
};

export interface ParquetProgress {
  /** Called after each row group with its compressed size, so progress can follow the file's bytes. */
  onRowGroupBytes(bytes: number): void;
}

export async function* readParquet(
  path: string,
  source: string,
  options: ReaderOptions,
  progress?: ParquetProgress,
): AsyncGenerator<IngestItem> {
  const handle = await open(path, 'r');
  try {
    yield* readRowGroups(await fileBuffer(handle), source, options, progress);
  } finally {
    await handle.close();
  }
}

/** hyparquet asks for byte ranges (footer, then column chunks); answer them with positioned reads. */
async function fileBuffer(handle: FileHandle): Promise<AsyncBuffer> {
  const { size } = await handle.stat();
  return {
    byteLength: size,
    async slice(start: number, end = size): Promise<ArrayBuffer> {
      const length = Math.max(0, Math.min(end, size) - start);
      const bytes = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(bytes, done, length - done, start + done);
        if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${start + done}`);
        done += bytesRead;
      }
      return bytes.buffer;
    },
  };
}

async function* readRowGroups(
  file: AsyncBuffer,
  source: string,
  options: ReaderOptions,
  progress?: ParquetProgress,
): AsyncGenerator<IngestItem> {
  const metadata = await parquetMetadataAsync(file);
  const columns = metadata.schema.slice(1).map((element) => element.name);
  if (!columns.includes(options.textField)) {
    // A mapping mistake, not thousands of bad rows: report it once for the file.
    yield rejectedItem({
      reason: 'unreadable_source',
      detail: `no "${options.textField}" column (columns: ${columns.join(', ')}); set textField`,
      original: Buffer.alloc(0),
      source,
      locator: source,
    });
    return;
  }
  // Two views of expansion, both against the file's size: what the column chunks declare they decompress
  // to (checked before a row group is read, so nothing huge is allocated) and the text the rows carry
  // (dictionary and run-length encoding can repeat one long string in every row at no cost in bytes).
  const declared = new ExpansionBudget(options);
  const produced = new ExpansionBudget(options);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const groupBytes = group.columns.reduce((sum, column) => sum + Number(column.meta_data?.total_uncompressed_size ?? 0), 0);
    declared.check(declared.decompressed + groupBytes, file.byteLength);
    let rows: ParquetRow[] = [];
    await parquetRead({
      file,
      metadata,
      compressors,
      parsers: strictStrings,
      rowStart,
      rowEnd,
      rowFormat: 'object',
      onComplete: (result) => {
        rows = result;
      },
    });
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as Record<string, unknown>;
      const rowNumber = rowStart + i;
      const text = row[options.textField];
      if (typeof text === 'string') produced.check(produced.decompressed + Buffer.byteLength(text, 'utf8'), file.byteLength);
      yield recordToItem(
        row,
        { source, locator: `${source}#row=${rowNumber}`, original: () => Buffer.from(jsonWithBigInts(row), 'utf8') },
        options,
      );
    }
    progress?.onRowGroupBytes(Number(group.total_compressed_size));
    rowStart = rowEnd;
  }
}

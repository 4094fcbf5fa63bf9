// Fuzz: the JSONL, Parquet and text readers on hostile bytes. Whatever the input, reading never throws
// or hangs, every record read is counted exactly once (read = ok + malformed), and every record that
// is not a document is a dead letter with a known reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { IngestItem, IngestRun, openJsonlStream, openSource, REJECT_REASONS } from '@cptflow/data';
import { fuzzRuns } from './fuzz-settings';

const FIXTURES = path.resolve(__dirname, '../../../libs/data/fixtures/ingest');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-fuzz-readers-'));
process.once('exit', () => fs.rmSync(scratch, { recursive: true, force: true }));

async function readAll(run: IngestRun): Promise<IngestItem[]> {
  const items: IngestItem[] = [];
  for await (const item of run) items.push(item);
  const total = run.stats.total();
  const malformed = Object.values(total.malformed).reduce((a, b) => a + b, 0);
  assert.equal(total.read, total.ok + malformed, 'every record counted once');
  assert.equal(items.length, total.read);
  for (const item of items) {
    if (item.kind === 'rejected') assert.ok(REJECT_REASONS.includes(item.rejected.reason), item.rejected.reason);
    else if (item.kind === 'document') assert.ok(item.document.text.trim().length > 0);
  }
  return items;
}

/** A line: a good record, a record with odd fields, broken JSON, deep nesting, or random bytes. */
const line = fc.oneof(
  fc.record({ text: fc.string({ minLength: 1 }), id: fc.option(fc.oneof(fc.string(), fc.integer())), meta: fc.jsonValue() }).map((r) => Buffer.from(JSON.stringify(r))),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.string().map((s) => Buffer.from(s)),
  fc.integer({ min: 60, max: 1000 }).map((depth) => Buffer.from(`{"text":"deep","m":${'['.repeat(depth)}${']'.repeat(depth)}}`)),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).filter((x) => x !== 0x0a)),
);

test('JSON Lines: any lines, any chunking, plain or gzip: no throw, each non-blank line one item', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(line, { maxLength: 20 }), fc.integer({ min: 16, max: 4096 }), fc.boolean(), async (lines, chunkSize, gzip) => {
      const plain = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
      const body = gzip ? gzipSync(plain) : plain;
      async function* chunks() {
        for (let i = 0; i < body.length; i += chunkSize) yield body.subarray(i, i + chunkSize);
      }
      const items = await readAll(openJsonlStream(chunks(), { name: 'fuzz', compression: gzip ? 'gzip' : 'none' }, { maxDocumentBytes: 4096 }));
      const nonBlank = lines.filter((l) => l.toString('latin1').replace(/[ \t\r]/g, '') !== '').length;
      assert.equal(items.length, nonBlank);
    }),
    fuzzRuns(2000),
  );
});

test('compressed streams: random or damaged gzip/zstd bytes end as one dead letter, never a throw', async () => {
  const zstd = fs.readFileSync(path.join(FIXTURES, 'sample.jsonl.zst'));
  const gzip = gzipSync(fs.readFileSync(path.join(FIXTURES, 'sample.jsonl')));
  const damaged = (base: Buffer) =>
    fc.tuple(fc.integer({ min: 0, max: base.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: base.length })).map(([at, byte, cut]) => {
      const copy = Buffer.from(base);
      copy[at] = byte;
      return { bytes: copy.subarray(0, Math.max(cut, at + 1)) };
    });
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        damaged(zstd).map((d) => ({ ...d, compression: 'zstd' as const })),
        damaged(gzip).map((d) => ({ ...d, compression: 'gzip' as const })),
        fc.uint8Array({ maxLength: 500 }).map((b) => ({ bytes: Buffer.from(b), compression: 'gzip' as const })),
        fc.uint8Array({ maxLength: 500 }).map((b) => ({ bytes: Buffer.from(b), compression: 'zstd' as const })),
      ),
      async ({ bytes, compression }) => {
        async function* once() {
          yield bytes;
        }
        const items = await readAll(openJsonlStream(once(), { name: 'fuzz', compression }));
        assert.ok(items.filter((i) => i.kind === 'rejected' && i.rejected.reason === 'unreadable_source').length <= 1);
      },
    ),
    fuzzRuns(2000),
  );
});

test('Parquet: a FineWeb-Edu shard with damaged bytes or a cut is read or dead-lettered, never a throw or a hang', async () => {
  const shard = fs.readFileSync(path.join(FIXTURES, 'fineweb-edu-sample.snappy.parquet'));
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.integer({ min: 0, max: shard.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.option(fc.integer({ min: 0, max: shard.length })),
      async (flips, cut) => {
        const bytes = Buffer.from(shard);
        for (const [at, value] of flips) bytes[at] = value;
        const file = path.join(scratch, `fuzz-${n++}.parquet`);
        fs.writeFileSync(file, cut === null ? bytes : bytes.subarray(0, cut));
        try {
          await readAll(await openSource(file, { maxDocumentBytes: 64 * 1024 }));
        } finally {
          fs.rmSync(file);
        }
      },
    ),
    fuzzRuns(1000),
  );
});

test('text files: any bytes are one document or one dead letter', async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), fc.string().map((s) => Buffer.from(s))), async (bytes) => {
      const file = path.join(scratch, `fuzz-${n++}.txt`);
      fs.writeFileSync(file, bytes);
      try {
        const items = await readAll(await openSource(file));
        assert.equal(items.length, 1);
      } finally {
        fs.rmSync(file);
      }
    }),
    fuzzRuns(1000),
  );
});

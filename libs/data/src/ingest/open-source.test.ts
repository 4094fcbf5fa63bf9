import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IngestItem, IngestSourceError, openSource } from './index';

async function collect(items: AsyncIterable<IngestItem>): Promise<IngestItem[]> {
  const out: IngestItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function textFolder(): string {
  const root = mkdtempSync(join(tmpdir(), 'cptflow-folder-'));
  mkdirSync(join(root, 'chapters', 'deep'), { recursive: true });
  mkdirSync(join(root, '.git'));
  writeFileSync(join(root, 'readme.md'), '# Notes\n\nA markdown page.');
  writeFileSync(join(root, 'chapters', '01.txt'), 'Chapter one text.');
  writeFileSync(join(root, 'chapters', 'deep', '02.TXT'), 'Chapter two text.');
  writeFileSync(join(root, 'chapters', 'empty.txt'), '\n\n');
  writeFileSync(join(root, 'chapters', 'latin1.txt'), Buffer.from('na\xefve', 'latin1'));
  writeFileSync(join(root, 'chapters', 'image.png'), Buffer.from([0x89, 0x50]));
  writeFileSync(join(root, '.git', 'config.txt'), 'not a document');
  writeFileSync(join(root, 'big.txt'), 'b'.repeat(5000));
  return root;
}

test('a folder is walked recursively: each .txt/.md file is one document, others and dot-folders are skipped', async () => {
  const root = textFolder();
  const run = await openSource(root, { maxDocumentBytes: 1000 });
  const items = await collect(run);
  const byFile = Object.fromEntries(
    items.map((i) => (i.kind === 'document' ? [i.document.source.slice(root.length + 1), i.document.text] : i.kind === 'rejected' ? [i.rejected.source.slice(root.length + 1), i.rejected.reason] : ['filtered'])),
  );
  assert.deepEqual(byFile, {
    'big.txt': 'oversize',
    'chapters/01.txt': 'Chapter one text.',
    'chapters/deep/02.TXT': 'Chapter two text.',
    'chapters/empty.txt': 'empty_text',
    'chapters/latin1.txt': 'invalid_utf8',
    'readme.md': '# Notes\n\nA markdown page.',
  });
  const doc = items.find((i) => i.kind === 'document')!;
  assert.ok(doc.kind === 'document');
  assert.equal(doc.document.id, 'sha256:' + createHash('sha256').update(doc.document.text).digest('hex'));
  assert.deepEqual(run.stats.total(), { read: 6, ok: 3, malformed: { oversize: 1, empty_text: 1, invalid_utf8: 1 } });
});

test('a glob picks files across folders; a symlinked file is followed', async () => {
  const root = textFolder();
  symlinkSync(join(root, 'chapters', '01.txt'), join(root, 'link.txt'));
  const run = await openSource(join(root, '**/0*.{txt,TXT}'));
  assert.deepEqual(run.files.map((f) => f.path.slice(root.length + 1)), ['chapters/01.txt', 'chapters/deep/02.TXT']);
  const linked = await openSource(join(root, 'link.txt'));
  const [item] = await collect(linked);
  assert.ok(item!.kind === 'document' && item!.document.text === 'Chapter one text.');
});

test('naming nothing readable fails before reading: missing path, empty glob, unknown file type', async () => {
  const root = textFolder();
  await assert.rejects(openSource(join(root, 'missing.jsonl')), IngestSourceError);
  await assert.rejects(openSource(join(root, '*.parquet')), IngestSourceError);
  await assert.rejects(openSource(join(root, 'chapters', 'image.png')), /unknown file type/);
  // ...unless the format is forced.
  writeFileSync(join(root, 'data.log'), '{"text":"forced"}\n');
  const [item] = await collect(await openSource(join(root, 'data.log'), { format: 'jsonl' }));
  assert.ok(item!.kind === 'document' && item!.document.text === 'forced');
});

// End to end inside the lib: real text -> tokenizer -> packer -> PackedSequence protobuf bytes ->
// decoded messages -> documents, which must equal the tokenized documents exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { codecFor, PackedSequence } from '@cptflow/platform';
import { DocumentTokenizer } from './document-tokenizer';
import { fromPackedSequenceMessage, toPackedSequenceMessage } from './packed-sequence-message';
import { unpackDocuments } from './packed-sequence';
import { createPacker, type PackingStrategy } from './packers';

const tokenizer = DocumentTokenizer.load();
const codec = codecFor(PackedSequence);

function realDocuments(): Array<{ id: string; text: string }> {
  const dir = '/usr/share/common-licenses';
  const docs: Array<{ id: string; text: string }> = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const file = `${dir}/${name}`;
    if (!fs.statSync(file).isFile()) continue;
    // Paragraph groups of varied length, and a few whole licences (longer than 2048 tokens).
    const text = fs.readFileSync(file, 'utf8');
    const paragraphs = text.split(/\n\s*\n/);
    for (let i = 0; i < paragraphs.length; i += 3) docs.push({ id: `${name}#${i}`, text: paragraphs.slice(i, i + 3).join('\n\n') });
    if (text.length > 20000) docs.push({ id: `${name}#whole`, text });
  }
  return docs;
}

const docs = realDocuments();

for (const strategy of ['concat', 'best-fit'] as PackingStrategy[]) {
  test(`${strategy}: packed protobuf messages decode back to the tokenized documents`, { skip: docs.length < 50 && 'needs /usr/share/common-licenses' }, async () => {
    const tokenized = (await tokenizer.encodeBatch(docs.map((d) => d.text))).map((tokens, i) => ({ id: docs[i].id, tokens }));
    assert.ok(tokenized.some((d) => d.tokens.length > 2048), 'some documents are longer than a sequence');
    const packer = createPacker({ strategy, seqLen: 2048, padId: tokenizer.eosId, bufferDocs: 64 });
    const labels = { tokenizerId: tokenizer.tokenizerId, tokenWidth: tokenizer.tokenWidth, corpus: 'domain' };
    const wire: Buffer[] = [];
    for (let i = 0; i < tokenized.length; i += 25) {
      for (const seq of packer.push(tokenized.slice(i, i + 25))) wire.push(codec.encode(toPackedSequenceMessage(seq, labels)));
    }
    for (const seq of packer.flush()) wire.push(codec.encode(toPackedSequenceMessage(seq, labels)));

    const received = wire.map((bytes) => codec.decode(bytes));
    for (const msg of received) {
      assert.equal(msg.tokenWidth, 2);
      assert.equal(msg.tokens?.length, 2 * 2048);
      assert.equal(msg.tokenizerId, tokenizer.tokenizerId);
      assert.equal(msg.seqLen, 2048);
    }
    const unpacked = unpackDocuments(received.map(fromPackedSequenceMessage));
    const byId = new Map(unpacked.map((d) => [d.id, d.tokens]));
    assert.equal(byId.size, tokenized.length);
    for (const d of tokenized) assert.deepEqual(byId.get(d.id), d.tokens, d.id);
    if (strategy === 'concat') assert.deepEqual(unpacked.map((d) => d.id), tokenized.map((d) => d.id), 'concat keeps stream order');
  });
}

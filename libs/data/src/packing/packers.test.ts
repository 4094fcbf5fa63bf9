import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BestFitPacker, ConcatSplitPacker, createPacker, type PackerState, type PackingStrategy, type SequencePacker } from './packers';
import { PackedDocumentTally, unpackDocuments, type PackedSequenceData, type TokenizedDocument } from './packed-sequence';
import { seededUniform } from '@cptflow/pycompat';


/** Documents shaped like tokenizer output: BOS, body, EOS; lengths from 2 to ~3.5 x seqLen. */
function syntheticDocs(count: number, seqLen: number, seed = 1): TokenizedDocument[] {
  const random = seededUniform(seed);
  return Array.from({ length: count }, (_, i) => {
    const r = random();
    const len = r < 0.1 ? 2 + Math.floor(random() * 5) : r < 0.9 ? 3 + Math.floor(random() * seqLen) : seqLen + Math.floor(random() * 2.5 * seqLen);
    const tokens = new Uint32Array(len).map(() => 3 + Math.floor(random() * 31990));
    tokens[0] = 1;
    tokens[len - 1] = 2;
    return { id: `doc-${i}`, tokens };
  });
}

function packAll(packer: SequencePacker, docs: TokenizedDocument[], batchSizes: number[] = [docs.length]): PackedSequenceData[] {
  const out: PackedSequenceData[] = [];
  let at = 0;
  for (let b = 0; at < docs.length; b++) {
    const size = batchSizes[b % batchSizes.length];
    out.push(...packer.push(docs.slice(at, at + size)));
    at += size;
  }
  out.push(...packer.flush());
  return out;
}

function assertWellFormed(seqs: PackedSequenceData[], seqLen: number, padId: number): void {
  for (const s of seqs) {
    assert.equal(s.seqLen, seqLen);
    assert.equal(s.tokens.length, seqLen);
    assert.ok(s.numTokens > 0 && s.numTokens <= seqLen);
    assert.equal(s.docStarts[0], 0);
    assert.equal(s.docStarts.length, s.docIds.length);
    for (let i = 1; i < s.docStarts.length; i++) assert.ok(s.docStarts[i] > s.docStarts[i - 1], 'docStarts ascending, segments non-empty');
    assert.ok(s.docStarts[s.docStarts.length - 1] < s.numTokens);
    for (let i = s.numTokens; i < seqLen; i++) assert.equal(s.tokens[i], padId);
  }
  assert.equal(new Set(seqs.map((s) => s.id)).size, seqs.length, 'sequence ids are unique');
}

const SEQ_LEN = 64;
const PAD = 0;
const docs = syntheticDocs(300, SEQ_LEN);

test('concat: every sequence but the last is full; documents come back in order, token for token', () => {
  const seqs = packAll(new ConcatSplitPacker(SEQ_LEN, PAD), docs);
  assertWellFormed(seqs, SEQ_LEN, PAD);
  const total = docs.reduce((n, d) => n + d.tokens.length, 0);
  assert.equal(seqs.length, Math.ceil(total / SEQ_LEN));
  seqs.slice(0, -1).forEach((s) => assert.equal(s.numTokens, SEQ_LEN));
  assert.equal(seqs[seqs.length - 1].numTokens, total - (seqs.length - 1) * SEQ_LEN);
  assert.deepEqual(unpackDocuments(seqs), docs);
});

test('concat: a long document spans sequences, its remainder opening the next one', () => {
  const long = { id: 'long', tokens: new Uint32Array(150).map((_, i) => i + 3) };
  const packer = new ConcatSplitPacker(SEQ_LEN, PAD);
  const seqs = packer.push([{ id: 'first', tokens: new Uint32Array(10).fill(7) }, long]);
  assert.equal(seqs.length, 2);
  assert.deepEqual(seqs[0].docIds, ['first', 'long']);
  assert.deepEqual(seqs[0].docStarts, [0, 10]);
  assert.deepEqual(seqs[1].docIds, ['long']);
  const rest = packer.flush();
  assert.deepEqual(rest[0].docIds, ['long']);
  assert.equal(rest[0].numTokens, 160 - 128);
  assert.deepEqual(unpackDocuments([...seqs, ...rest]).map((d) => d.id), ['first', 'long']);
});

test('best-fit: only documents longer than seqLen are split; decoding restores every document', () => {
  const seqs = packAll(new BestFitPacker(SEQ_LEN, PAD, 50), docs);
  assertWellFormed(seqs, SEQ_LEN, PAD);
  const segmentsPerDoc = new Map<string, number>();
  for (const s of seqs) for (const id of s.docIds) segmentsPerDoc.set(id, (segmentsPerDoc.get(id) ?? 0) + 1);
  for (const d of docs) assert.equal(segmentsPerDoc.get(d.id), Math.ceil(d.tokens.length / SEQ_LEN), d.id);
  const byId = new Map(unpackDocuments(seqs).map((d) => [d.id, d.tokens]));
  assert.equal(byId.size, docs.length);
  for (const d of docs) assert.deepEqual(byId.get(d.id), d.tokens, d.id);
  // Packing quality: best-fit wastes little (here under 10% padding on 64-token sequences).
  const used = seqs.reduce((n, s) => n + s.numTokens, 0);
  assert.ok(used / (seqs.length * SEQ_LEN) > 0.9, `fill ${used / (seqs.length * SEQ_LEN)}`);
});

test('best-fit truncates far fewer documents than concat', () => {
  const cuts = (seqs: PackedSequenceData[]) => {
    const n = new Map<string, number>();
    for (const s of seqs) for (const id of s.docIds) n.set(id, (n.get(id) ?? 0) + 1);
    return [...n.values()].filter((c) => c > 1).length;
  };
  const shortDocs = docs.filter((d) => d.tokens.length <= SEQ_LEN);
  assert.equal(cuts(packAll(new BestFitPacker(SEQ_LEN, PAD, 50), shortDocs)), 0);
  assert.ok(cuts(packAll(new ConcatSplitPacker(SEQ_LEN, PAD), shortDocs)) > shortDocs.length / 3);
});

for (const strategy of ['concat', 'best-fit'] as PackingStrategy[]) {
  const make = (state?: PackerState) => createPacker({ strategy, seqLen: SEQ_LEN, padId: PAD, bufferDocs: 40, state });

  test(`${strategy}: output does not depend on how the stream is cut into batches`, () => {
    const whole = packAll(make(), docs);
    assert.deepEqual(packAll(make(), docs, [1]), whole);
    assert.deepEqual(packAll(make(), docs, [7, 13, 1, 29]), whole);
  });

  test(`${strategy}: state survives JSON; a re-delivered batch yields identical sequences`, () => {
    const whole = packAll(make(), docs);
    const batches = [docs.slice(0, 97), docs.slice(97, 211), docs.slice(211)];
    const first = make();
    const out = first.push(batches[0]);
    const saved = JSON.parse(JSON.stringify(first.state())) as PackerState;
    // A consumer crashes after batch 1 was produced but before its offsets were committed:
    // batch 1 comes again to a packer restored from the state saved after batch 0.
    const crashed = make(saved);
    const lost = crashed.push(batches[1]);
    const restored = make(JSON.parse(JSON.stringify(saved)));
    const again = restored.push(batches[1]);
    assert.deepEqual(again, lost);
    assert.deepEqual(restored.state(), crashed.state());
    out.push(...again, ...restored.push(batches[2]), ...restored.flush());
    assert.deepEqual(out, whole);
  });

  test(`${strategy}: a document whose tail is still carried is not whole; reassembly refuses a missing tail`, () => {
    const packer = make();
    const emitted = packer.push(docs.slice(0, 60));
    const carried = packer.state().segments.map((s) => s.docId);
    const tail = carried[carried.length - 1]!;
    const tally = new PackedDocumentTally();
    emitted.forEach((seq) => tally.add(seq));
    const headEmitted = emitted.some((seq) => seq.docIds.includes(tail));
    // Every document that entered has arrived whole except those with segments still in the open sequence.
    assert.equal(tally.complete, 60 - new Set(carried).size);
    if (headEmitted) assert.throws(() => unpackDocuments(emitted), new RegExp(`document ${tail}: \\d+ of its ${docs.find((d) => d.id === tail)!.tokens.length} tokens arrived`));
    // State written before document lengths were carried still restores; its documents count when first seen.
    const legacy = packer.state();
    legacy.segments.forEach((s) => delete s.docLength);
    const flushed = make(legacy).flush();
    flushed.forEach((seq) => tally.add(seq));
    assert.ok(flushed.every((seq) => seq.docLengths.every((length, i) => (carried.includes(seq.docIds[i]!) ? length === 0 : length > 0))));
    assert.equal(tally.complete, 60);
    const finished = packer.flush();
    const complete = new PackedDocumentTally();
    [...emitted, ...finished].forEach((seq) => complete.add(seq));
    assert.equal(complete.complete, 60);
    assert.equal(unpackDocuments([...emitted, ...finished]).length, 60);
  });

  test(`${strategy}: seqLen is configurable (default 2048) and state must match the options`, () => {
    assert.equal(createPacker({ strategy, padId: 0 }).seqLen, 2048);
    const seqs = packAll(createPacker({ strategy, seqLen: 2048, padId: 2 }), syntheticDocs(40, 2048, 5));
    assertWellFormed(seqs, 2048, 2);
    const state = make().state();
    assert.throws(() => createPacker({ strategy, seqLen: SEQ_LEN * 2, padId: PAD, bufferDocs: 40, state }), /does not match/);
  });
}

test('empty documents are refused (they could not be recovered from docIds)', () => {
  assert.throws(() => new ConcatSplitPacker(8, 0).push([{ id: 'e', tokens: new Uint32Array(0) }]), /no tokens/);
  assert.throws(() => new BestFitPacker(8, 0).push([{ id: 'e', tokens: new Uint32Array(0) }]), /no tokens/);
});

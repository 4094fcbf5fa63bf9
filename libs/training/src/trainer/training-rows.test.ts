import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IGNORE_INDEX } from '@cptflow/model';
import { encodeTokens } from '@cptflow/data';
import { isReplayRow } from './replay';
import { encodePackedSequence, microBatchOf, rowFromRecord, SequenceRejected } from './training-rows';

const rules = { tokenizerId: 'sha256:tok', vocabSize: 100, seqLen: 8 };
const message = (tokens: number[], extra: Record<string, unknown> = {}) =>
  encodePackedSequence({ id: 's', tokens: encodeTokens(Uint32Array.from(tokens), 2), tokenWidth: 2, seqLen: tokens.length, docStarts: [0], docIds: ['d'], tokenizerId: 'sha256:tok', numTokens: tokens.length, padId: 0, ...extra });

describe('training rows', () => {
  it('pads a short sequence and takes no loss on the padding or across documents', () => {
    const row = rowFromRecord(message([1, 5, 6, 7, 2, 0], { numTokens: 5, docStarts: [0, 3], docIds: ['d', 'e'] }), rules);
    assert.deepEqual(row.tokens, [1, 5, 6, 7, 2, 0, 0, 0]);
    const batch = microBatchOf([row]);
    const ignore = BigInt(IGNORE_INDEX);
    // targets[t] = token t+1; t=2 would predict the second document's first token; t >= 4 is padding.
    assert.deepEqual([...batch.targets], [5n, 6n, ignore, 2n, ignore, ignore, ignore, ignore]);
    assert.deepEqual([...batch.positionIds], [0n, 1n, 2n, 0n, 1n, 2n, 3n, 4n]);
  });

  it('refuses other tokenizers, ids outside the vocabulary, long rows and garbage, saying why', () => {
    assert.throws(() => rowFromRecord(message([1, 2], { tokenizerId: 'sha256:other' }), rules), /tokenizer mismatch: .*sha256:other.*sha256:tok/);
    assert.throws(() => rowFromRecord(message([1, 200]), rules), /token id 200 at 1 is outside the vocabulary \(100\)/);
    assert.throws(() => rowFromRecord(message([1, 2, 3, 4, 5, 6, 7, 8, 9]), rules), /seq_len 9 exceeds the trainer's 8/);
    assert.throws(() => rowFromRecord(Buffer.from([0xff, 0xff, 0xff]), rules), SequenceRejected);
  });

  it('replay rows make up exactly the fraction of every prefix (floor)', () => {
    for (const f of [0.01, 0.05, 0.25, 1 / 3]) {
      let replay = 0;
      for (let r = 0; r < 1000; r++) {
        if (isReplayRow(r, f)) replay++;
        assert.equal(replay, Math.floor((r + 1) * f));
      }
    }
  });
});

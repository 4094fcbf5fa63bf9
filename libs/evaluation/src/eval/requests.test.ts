import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { encodePair, harnessEncode } from './requests';
import { fixturesDir } from './testing/reference-fixture';
import { HfTokenizer, Tokenizer } from '@cptflow/model';

/** A character-level tokenizer that makes the splitting rules visible. */
const charTokenizer: Tokenizer = {
  bosToken: '<s>',
  prefixTokenId: 1,
  encode: (text, special) => [...(special ? [1] : []), ...Array.from(text, (c) => c.codePointAt(0)!)],
};

describe('encodePair (TemplateLM._encode_pair)', () => {
  it('moves trailing whitespace of the context into the continuation', async () => {
    const { contextIds, continuationIds } = await encodePair(charTokenizer, 'Answer: ', 'A');
    assert.deepEqual(contextIds, [1, ...Array.from('Answer:', (c) => c.charCodeAt(0))]);
    assert.deepEqual(continuationIds, [32, 65]);
  });

  it('splits the joint encoding at the length of the separately encoded context (LLaMA: "▁A" stays one token)', async () => {
    const tok = HfTokenizer.fromFile(path.join(fixturesDir(), 'model', 'tokenizer.json'));
    const whole = await tok.encode('Answer: A', true);
    const pair = await encodePair(tok, 'Answer:', ' A');
    assert.deepEqual([...pair.contextIds, ...pair.continuationIds], whole);
    assert.equal(pair.contextIds[0], 1, 'BOS from the tokenizer default (harness >= 0.4.9.2)');
    assert.equal(pair.continuationIds.length, 1);
  });

  it('follows add_bos_token: false drops BOS, a string starting with "<s>" gets no second one', async () => {
    assert.deepEqual(await harnessEncode(charTokenizer, 'ab', { addBosToken: false }), [97, 98]);
    assert.deepEqual((await harnessEncode(charTokenizer, '<s>ab')).slice(0, 1), [60]);
    assert.deepEqual(await harnessEncode(charTokenizer, 'ab', { addBosToken: true }), [1, 97, 98]);
  });

  it('conditions an empty context on the prefix token', async () => {
    assert.deepEqual(await encodePair(charTokenizer, '', 'hi'), { contextIds: [1], continuationIds: [104, 105] });
  });
});

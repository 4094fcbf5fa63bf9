import assert from 'node:assert/strict';
import { test } from 'node:test';

import { PROSE } from './filters/test-texts';
import { QualityConfigError, QualityPipeline } from './pipeline';
import { DocumentScorer, scoreRejection } from './scorer';

const PROSE5 = PROSE + '\nThe water went down again within a week.';

test('default pipeline is FineWeb: four filters in FineWeb order, C4 keeping unpunctuated lines', () => {
  const p = QualityPipeline.fromConfig();
  assert.deepEqual(p.filters.map((f) => f.name), ['gopher_repetition', 'gopher_quality', 'c4_quality', 'fineweb_quality']);
  const withHeading = 'A heading without a full stop\n' + PROSE5;
  assert.deepEqual(p.run(withHeading), { keep: true, text: withHeading, rewritten: false });
});

test('the first rejection wins, so the order decides which rule is named', () => {
  const text = 'Lorem ipsum dolor sit amet.'; // both too short (Gopher) and lorem ipsum (C4)
  const gopherFirst = QualityPipeline.fromConfig({ order: ['gopher_quality', 'c4_quality'] }).run(text);
  assert.ok(!gopherFirst.keep);
  assert.equal(gopherFirst.rejection.filter, 'gopher_quality');
  assert.equal(gopherFirst.rejection.rule, 'gopher_short_doc');
  const c4First = QualityPipeline.fromConfig({ order: ['c4_quality', 'gopher_quality'] }).run(text);
  assert.ok(!c4First.keep && c4First.rejection.rule === 'lorem_ipsum');
});

test('C4 rewriting feeds the filters after it and counts as rewritten', () => {
  const p = QualityPipeline.fromConfig({ order: ['c4_quality', 'fineweb_quality'], c4_quality: { filterJavascript: true } });
  const v = p.run(PROSE5 + '\nPlease turn on JavaScript to read the comments below.');
  assert.deepEqual(v, { keep: true, text: PROSE5, rewritten: true });
});

test('counts balance: documents = kept + rejected, rejections summed by rule', () => {
  const p = QualityPipeline.fromConfig();
  const docs = [PROSE5, 'too short', '', PROSE5 + '\n' + PROSE5, PROSE5.replace(/\n/g, '\n\n')];
  for (const d of docs) p.run(d);
  const s = p.stats();
  assert.equal(s.documents, docs.length);
  assert.equal(s.kept + s.rejected, s.documents);
  assert.equal(Object.values(s.byRule).reduce((a, b) => a + b, 0), s.rejected);
  // a two-word text is one 2-gram covering the whole text; the doubled text repeats every line
  assert.deepEqual(s.byRule, { 'gopher_repetition/top_2_gram': 1, 'gopher_repetition/empty': 1, 'gopher_repetition/dup_line_frac': 1 });
  assert.equal(s.kept, 2);
  p.resetStats();
  assert.equal(p.stats().documents, 0);
});

test('filters can be switched off and thresholds overridden from a plain object', () => {
  const p = QualityPipeline.fromConfig({
    gopher_repetition: { enabled: false },
    gopher_quality: { minDocWords: 2, minStopWords: 0, maxNonAlphaWordsRatio: null },
    c4_quality: { enabled: false },
    fineweb_quality: { enabled: false },
  });
  assert.deepEqual(p.filters.map((f) => f.name), ['gopher_quality']);
  assert.ok(p.run('Short but enough now').keep);
});

test('invalid configs fail with a message naming the key', () => {
  assert.throws(() => QualityPipeline.fromConfig({ gopher_qualty: {} } as never), (e: Error) => e instanceof QualityConfigError && /gopher_qualty/.test(e.message));
  assert.throws(() => QualityPipeline.fromConfig({ gopher_quality: { minDocWord: 3 } } as never), /gopher_quality\.minDocWord is not an option/);
  assert.throws(() => QualityPipeline.fromConfig({ c4_quality: { minNumSentences: 'five' } } as never), /c4_quality\.minNumSentences must be a number/);
  assert.throws(() => QualityPipeline.fromConfig({ order: ['c4_quality', 'c4_quality'] }), /listed twice/);
  assert.throws(() => QualityPipeline.fromConfig({ gopher_repetition: { topNGrams: [[2.5, 0.2]] } } as never), /\[n, fraction\] pairs/);
  assert.throws(() => QualityPipeline.fromConfig({ gopher_quality: { stopWords: ['the', 3] } } as never), /array of strings/);
  const custom = QualityPipeline.fromConfig({ gopher_repetition: { topNGrams: [[2, 0.5]], dupNGrams: [] } });
  assert.deepEqual((custom.filters[0] as unknown as { options: { topNGrams: unknown } }).options.topNGrams, [[2, 0.5]]);
  assert.throws(() => QualityPipeline.fromConfig({ fineweb_quality: { enabled: 'no' } } as never), /enabled must be true or false/);
});

test('a model scorer verdict becomes a rejection below its threshold', () => {
  const scorer: DocumentScorer = { name: 'edu_classifier', threshold: 3, score: async (texts) => texts.map(() => 0) };
  assert.deepEqual(scoreRejection(scorer, 2.5), { filter: 'edu_classifier', rule: 'score_below_threshold', value: 2.5, threshold: 3 });
  assert.equal(scoreRejection(scorer, 3), null);
});

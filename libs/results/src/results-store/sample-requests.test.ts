// eval-workflows migration: stored samples keep the (context, continuation) text of each choice.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openResultsStore, ResultsError, type ResultsStore } from './index';
import { testBackends, type TestDatabase } from './testing/test-databases';

const settings = { numFewshot: 0, limit: null, harnessVersion: '0.4.13' };

for (const backend of testBackends()) {
  describe(`sample request text on ${backend.name}`, { skip: backend.skip }, () => {
    let db: TestDatabase;
    let store: ResultsStore;
    let checkpointId: number;

    before(async () => {
      db = await backend.create();
      store = await openResultsStore(db.options);
      checkpointId = (await store.results.recordCheckpoint({ run: 'r', step: 1, tokensSeen: 10, path: '/c/1', isBase: false })).id;
    });
    after(async () => {
      await store?.close();
      await db?.drop();
    });

    it('stores and returns each choice\'s context and continuation; samples without text come back without it', async () => {
      const requests = [
        { context: 'The following are multiple choice questions (with answers) about ünïcode.\n\nQ?\nAnswer:', continuation: ' A' },
        { context: 'The following are multiple choice questions (with answers) about ünïcode.\n\nQ?\nAnswer:', continuation: ' B' },
      ];
      await store.results.recordResults(checkpointId, [
        { task: 'mmlu_x', metric: 'acc', value: 0.5, stderr: 0.5, n: 2, settings, samples: [
          { docIndex: 0, predicted: 0, gold: 0, correct: true, logprobs: [-1, -2], requests },
          { docIndex: 1, predicted: 1, gold: 0, correct: false, logprobs: [-3, -2] },
        ] },
      ]);
      const page = await store.results.samplesOf(checkpointId, 'mmlu_x', 'acc');
      assert.deepEqual(page.items[0].requests, requests);
      assert.equal('requests' in page.items[1], false);
    });

    it('refuses request text that does not pair with the log-likelihoods', async () => {
      await assert.rejects(
        store.results.recordResults(checkpointId, [
          { task: 'mmlu_y', metric: 'acc', value: 1, stderr: null, n: 1, settings, samples: [{ docIndex: 0, predicted: 0, gold: 0, correct: true, logprobs: [-1, -2], requests: [{ context: 'c', continuation: ' A' }] }] },
        ]),
        (err: unknown) => err instanceof ResultsError && err.kind === 'invalid' && /one \{context, continuation\} pair of strings per log-likelihood/.test(err.message),
      );
    });
  });
}

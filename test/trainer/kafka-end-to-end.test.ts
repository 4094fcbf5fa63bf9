// Documents to checkpoints over a real Kafka broker: real text (data/corpora, Python docs) is
// tokenized with the LLaMA-2 tokenizer and packed by libs/data/src/packing (the packer stage's code), the
// packed sequences go to Kafka, the trainer trains on them and announces checkpoints on Kafka, and
// the model in the last announced HF export has a lower held-out loss than the one it started from.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { CheckpointEvent, codecFor, KafkaBus } from '@cptflow/platform';
import { parameterShapes, initParameters, SafetensorsModel } from '@cptflow/model';
import { ContinuousTrainer } from '@cptflow/training';
import {
  HeldOutEvaluator,
  corpusSequences,
  recordsOf,
  rowsOf,
  TINY_LLAMA2,
  TEST_SEQ_LEN,
  testTrainerOptions,
  waitFor,
} from '@cptflow/training/testing';

const brokers = process.env.KAFKA_BROKERS;
const codec = codecFor<CheckpointEvent>(CheckpointEvent);

describe('trainer end to end on Kafka', { skip: !brokers && 'KAFKA_BROKERS is not set' }, () => {
  it('turns packed real text into announced checkpoints whose held-out loss is lower', { timeout: 120_000 }, async () => {
    const id = randomUUID().slice(0, 8);
    const topics = { sequences: `e2e.${id}.seqs`, checkpoints: `e2e.${id}.checkpoints` };
    const bus = new KafkaBus({ brokers: brokers!.split(','), clientId: 'trainer-e2e', logLevel: 'nothing', onError: () => undefined });
    await bus.ensureTopics([topics.sequences, topics.checkpoints], 1);
    const options = testTrainerOptions(bus, { topics });
    const trainer = new ContinuousTrainer(options);
    await trainer.start();
    // Two corpora "land" one after the other while the trainer runs.
    const seqs = await corpusSequences('domain', TEST_SEQ_LEN, 160);
    await bus.publish(recordsOf(topics.sequences, seqs.slice(0, 80)));
    await bus.publish(recordsOf(topics.sequences, seqs.slice(80)));
    await waitFor(trainer, (t) => t.status.domainRows === 160, 90_000);
    await trainer.stop();

    const events: CheckpointEvent[] = [];
    const sub = await bus.consumeFrom({ topics: [topics.checkpoints], handler: async (b) => (b.records.forEach((r) => events.push(codec.decode(r.value))), []) });
    await waitFor(trainer, () => events.length === 2, 30_000); // every 10 steps: steps 10 and 20
    await sub.stop();
    await bus.close();
    assert.deepEqual(events.map((e) => Number(e.step)), [10, 20]);
    assert.deepEqual(events.map((e) => Number(e.tokensSeen)), [10 * 8 * TEST_SEQ_LEN, 20 * 8 * TEST_SEQ_LEN]);

    const model = await SafetensorsModel.open(events[1].hfPath!);
    const trained = new Map<string, Float32Array>();
    for (const name of model.names()) trained.set(name, await model.readFloat32(name));
    await model.close();
    const shapes = new Map(parameterShapes(TINY_LLAMA2).map((p) => [p.name, p.shape] as const));
    const heldOut = rowsOf(await corpusSequences('domain.heldout', TEST_SEQ_LEN, 32, 60), TEST_SEQ_LEN);
    const evaluator = await HeldOutEvaluator.create(TINY_LLAMA2);
    const before = await evaluator.meanLoss(initParameters(TINY_LLAMA2, 7), shapes, heldOut);
    const after = await evaluator.meanLoss(trained, shapes, heldOut);
    await evaluator.release();
    console.log(`kafka end to end: held-out domain loss ${before.toFixed(3)} -> ${after.toFixed(3)}`);
    assert.ok(after < before - 1, `held-out loss ${before} -> ${after}`);
  });
});

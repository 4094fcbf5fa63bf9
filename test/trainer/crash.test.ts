// Exactly-once training across kill -9: a child trains from a Kafka topic and is SIGKILLed at random
// moments, some of them inside a checkpoint (between writing the state store, committing the
// checkpoint directory, and writing its HF export), restarted each time; its final parameters and
// AdamW moments must be bit-identical to an uninterrupted run over the same sequences.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findLatestCheckpoint } from '@cptflow/training';
import { KafkaBus } from '@cptflow/platform';
import { corpusSequences, recordsOf, tempDir } from '@cptflow/training/testing';
import { startChild } from './crash-child-run';

const brokers = process.env.KAFKA_BROKERS;
const SEQUENCES = 96; // 12 optimizer steps of 8 rows; a checkpoint every 2 steps

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('trainer crash test (kill -9, real Kafka)', { skip: !brokers && 'KAFKA_BROKERS is not set' }, () => {
  it('resumes from the newest complete checkpoint to bit-identical parameters, whenever it is killed', { timeout: 150_000 }, async () => {
    const started = Date.now();
    const id = randomUUID().slice(0, 8);
    const topic = `crash.${id}.seqs`;
    const bus = new KafkaBus({ brokers: brokers!.split(','), clientId: 'crash-parent', logLevel: 'nothing' });
    await bus.ensureTopics([topic], 1);
    await bus.publish(recordsOf(topic, await corpusSequences('domain', 64, SEQUENCES)));
    const common = { KAFKA_BROKERS: brokers!, CRASH_TOPIC: topic, CRASH_SEQUENCES: String(SEQUENCES) };

    // The reference: one uninterrupted run.
    const referenceDir = tempDir('crash-ref');
    const reference = startChild({ ...common, CRASH_EVENTS: `crash.${id}.events.ref`, CRASH_CHECKPOINTS: referenceDir });
    assert.equal(await reference.exit, 0);

    // The victim: killed at random instants, and at each checkpoint phase, then left to finish.
    const victimDir = tempDir('crash-victim');
    const env = { ...common, CRASH_EVENTS: `crash.${id}.events`, CRASH_CHECKPOINTS: victimDir, CRASH_PAUSE_MS: '40' };
    const plan: Array<{ at: RegExp; delayMs: number }> = [
      { at: /^training$/, delayMs: 300 + Math.floor(Math.random() * 500) },
      { at: /^hook state-written$/, delayMs: Math.floor(Math.random() * 30) },
      { at: /^hook committed$/, delayMs: Math.floor(Math.random() * 30) },
      { at: /checkpoint .* in /, delayMs: 0 },
      { at: /^hook exported$/, delayMs: Math.floor(Math.random() * 30) },
      { at: /^training$/, delayMs: Math.floor(Math.random() * 800) },
    ];
    let kills = 0;
    for (const { at, delayMs } of plan) {
      const child = startChild(env);
      const outcome = await Promise.race([child.line(at).then(() => 'seen'), child.exit.then(() => 'exited')]);
      if (outcome === 'exited') break; // finished before the planned kill
      await sleep(delayMs);
      child.kill();
      if ((await child.exit) === null) kills++;
    }
    const last = startChild(env);
    assert.equal(await last.exit, 0);
    assert.ok(kills >= 4, `only ${kills} kills landed`);

    const ref = await findLatestCheckpoint(referenceDir);
    const victim = await findLatestCheckpoint(victimDir);
    assert.ok(ref && victim);
    assert.equal(victim.manifest.step, SEQUENCES / 8);
    assert.equal(victim.manifest.step, ref.manifest.step);
    assert.equal(victim.manifest.tokensSeen, ref.manifest.tokensSeen);
    assert.deepEqual(victim.manifest.kafkaOffsets, ref.manifest.kafkaOffsets);
    assert.deepEqual(victim.manifest.schedule, ref.manifest.schedule);
    // sha256 of every shard file: parameters and both AdamW moments, bit for bit.
    assert.deepEqual(
      victim.manifest.shards.map((s) => s.sha256),
      ref.manifest.shards.map((s) => s.sha256),
    );
    assert.ok(!(await readdir(victimDir)).some((n) => n.startsWith('.tmp-')), 'retention cleared unfinished saves');
    await bus.close();
    console.log(`crash test: ${kills} kills, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
});

// Exact resume with the torch engine (CPU): the trainer is killed -9 inside a checkpoint, then one
// rank of its torch worker group is killed -9 mid-training (the trainer stops with the error); each
// restart resumes from the newest complete checkpoint, and the final parameters and AdamW moments are
// bit-identical to an uninterrupted torch run over the same sequences.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { findLatestCheckpoint } from '@cptflow/training';
import { torchPythonOrSkip } from '@cptflow/torch-engine/testing';
import { KafkaBus } from '@cptflow/platform';
import { corpusSequences, recordsOf, tempDir } from '@cptflow/training/testing';
import { startChild } from './crash-child-run';

const brokers = process.env.KAFKA_BROKERS;
const SEQUENCES = 64; // 8 optimizer steps of 8 rows; a checkpoint every 2 steps
const childrenOf = (pid: number) => execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);

describe('trainer crash test with the torch engine (kill -9 of the trainer and of a rank, real Kafka)', { skip: !brokers && 'KAFKA_BROKERS is not set' }, () => {
  it('resumes to bit-identical parameters and moments', { timeout: 400_000 }, async (t) => {
    if (!torchPythonOrSkip(t)) return;
    const id = randomUUID().slice(0, 8);
    const topic = `crash-torch.${id}.seqs`;
    const bus = new KafkaBus({ brokers: brokers!.split(','), clientId: 'crash-torch-parent', logLevel: 'nothing' });
    await bus.ensureTopics([topic], 1);
    await bus.publish(recordsOf(topic, await corpusSequences('domain', 64, SEQUENCES)));
    const common = { KAFKA_BROKERS: brokers!, CRASH_TOPIC: topic, CRASH_SEQUENCES: String(SEQUENCES), CRASH_ENGINE: 'torch' };

    const referenceDir = tempDir('crash-torch-ref');
    assert.equal(await startChild({ ...common, CRASH_EVENTS: `crash-torch.${id}.events.ref`, CRASH_CHECKPOINTS: referenceDir }).exit, 0);

    const victimDir = tempDir('crash-torch-victim');
    const env = { ...common, CRASH_EVENTS: `crash-torch.${id}.events`, CRASH_CHECKPOINTS: victimDir, CRASH_PAUSE_MS: '40' };
    // 1. The trainer, inside its first checkpoint (state written, directory not yet committed).
    const first = startChild(env);
    await first.line(/^hook state-written$/);
    first.kill();
    assert.equal(await first.exit, null);
    // 2. One rank (the worker process under torchrun), after the next checkpoint: the trainer fails.
    const second = startChild(env);
    await second.line(/checkpoint .* in /);
    const [launcher] = childrenOf(second.pid);
    for (const worker of childrenOf(launcher)) process.kill(worker, 'SIGKILL');
    assert.equal(await second.exit, 1, 'the trainer stops with the engine error');
    // 3. Left to finish.
    assert.equal(await startChild(env).exit, 0);

    const ref = await findLatestCheckpoint(referenceDir);
    const victim = await findLatestCheckpoint(victimDir);
    assert.ok(ref && victim);
    assert.equal(victim.manifest.step, SEQUENCES / 8);
    assert.equal(victim.manifest.step, ref.manifest.step);
    assert.deepEqual(victim.manifest.kafkaOffsets, ref.manifest.kafkaOffsets);
    assert.deepEqual(
      victim.manifest.shards.map((s) => s.sha256),
      ref.manifest.shards.map((s) => s.sha256),
    );
    await bus.close();
  });
});

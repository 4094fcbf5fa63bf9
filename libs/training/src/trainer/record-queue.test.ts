import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BatchHandler, Bus, ConsumedRecord, ExternalOffsetsOptions } from '@cptflow/platform';
import { RecordQueue } from './record-queue';

/** A bus whose single reader the test drives by hand. */
class HandDrivenBus {
  handler!: BatchHandler;
  options!: ExternalOffsetsOptions;
  /** Topics the queue has paused and not resumed. */
  readonly paused = new Set<string>();
  async consumeFrom(options: ExternalOffsetsOptions) {
    this.options = options;
    this.handler = options.handler;
    return {
      stop: async () => undefined,
      pause: (topics: string[] = options.topics) => topics.forEach((t) => this.paused.add(t)),
      resume: (topics: string[] = options.topics) => topics.forEach((t) => this.paused.delete(t)),
    };
  }
}

const rec = (topic: string, offset: number): ConsumedRecord => ({ topic, partition: 0, offset: String(offset), value: Buffer.from([offset]), headers: {} });
const deliver = (bus: HandDrivenBus, topic: string, offsets: number[]) => bus.handler({ topic, partition: 0, records: offsets.map((o) => rec(topic, o)) });

describe('RecordQueue', () => {
  it('starts at the given offsets, drops re-deliveries, and reports positions of taken records only', async () => {
    const bus = new HandDrivenBus();
    const queue = new RecordQueue({ topics: ['a'], startOffsets: [{ topic: 'a', partition: 0, offset: '5' }], highWaterRecords: 100 });
    await queue.start(bus as unknown as Bus);
    assert.deepEqual(bus.options.startOffsets, [{ topic: 'a', partition: 0, offset: '5' }]);
    await deliver(bus, 'a', [5, 6, 7]);
    await deliver(bus, 'a', [3, 4, 5, 6, 7, 8]); // a reader that lost its session starts over
    assert.equal(queue.buffered('a'), 4);
    assert.deepEqual(queue.positions(), [{ topic: 'a', partition: 0, offset: '5' }]);
    assert.equal((await queue.take('a'))!.offset, '5');
    assert.equal((await queue.take('a'))!.offset, '6');
    assert.deepEqual(queue.positions(), [{ topic: 'a', partition: 0, offset: '7' }]);
    await queue.close();
    assert.equal((await queue.take('a'))!.offset, '7', 'buffered records stay readable');
  });

  it('backpressure: a full topic is paused on the bus (the handler neither blocks nor throws) and resumed once drained to half', async () => {
    const bus = new HandDrivenBus();
    const queue = new RecordQueue({ topics: ['a'], startOffsets: [], highWaterRecords: 4 });
    await queue.start(bus as unknown as Bus);
    const pending = queue.take('a');
    await deliver(bus, 'a', [0]);
    assert.equal((await pending)!.offset, '0');
    // Over the high-water mark: the handler returns at once (no failure for the bus to log or retry).
    assert.deepEqual(await deliver(bus, 'a', [1, 2, 3, 4, 5, 6]), []);
    assert.equal(queue.buffered('a'), 6, 'what arrived is kept');
    assert.deepEqual([...bus.paused], ['a']);
    assert.equal(queue.isPaused('a'), true);
    for (const expected of ['1', '2', '3']) {
      assert.equal((await queue.take('a'))!.offset, expected);
      assert.equal(bus.paused.has('a'), true, 'still above half the high-water mark');
    }
    assert.equal((await queue.take('a'))!.offset, '4');
    assert.equal(bus.paused.has('a'), false, 'resumed at half the high-water mark');
    await queue.close();
  });

  it('pauses only the full topic, so the loop waiting on another is never starved', async () => {
    const bus = new HandDrivenBus();
    const queue = new RecordQueue({ topics: ['a', 'b'], startOffsets: [], highWaterRecords: 1 });
    await queue.start(bus as unknown as Bus);
    const waitingOnB = queue.take('b');
    await deliver(bus, 'a', [0, 1, 2]); // over the high-water mark: 'a' is paused, 'b' is not
    assert.deepEqual([...bus.paused], ['a']);
    await deliver(bus, 'b', [0]);
    assert.equal((await waitingOnB)!.topic, 'b');
    await queue.close();
  });
});

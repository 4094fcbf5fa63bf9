import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BatchHandler, Bus, ConsumedRecord, ExternalOffsetsOptions } from '../../transport/src';
import { QueueFull, RecordQueue } from './record-queue';

/** A bus whose single reader the test drives by hand. */
class HandDrivenBus {
  handler!: BatchHandler;
  options!: ExternalOffsetsOptions;
  async consumeFrom(options: ExternalOffsetsOptions) {
    this.options = options;
    this.handler = options.handler;
    return { stop: async () => undefined };
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

  it('waits for data, and hands a batch back (QueueFull) when the buffer stays full past maxBlockMs', async () => {
    const bus = new HandDrivenBus();
    const queue = new RecordQueue({ topics: ['a'], startOffsets: [], highWaterRecords: 2, maxBlockMs: 30 });
    await queue.start(bus as unknown as Bus);
    const pending = queue.take('a');
    await deliver(bus, 'a', [0]);
    assert.equal((await pending)!.offset, '0');
    await assert.rejects(deliver(bus, 'a', [1, 2, 3, 4]), QueueFull);
    assert.equal(queue.buffered('a'), 4, 'what arrived is kept; the re-delivery will be dropped');
    await queue.close();
  });

  it('does not hold one topic back while the loop waits on another', async () => {
    const bus = new HandDrivenBus();
    const queue = new RecordQueue({ topics: ['a', 'b'], startOffsets: [], highWaterRecords: 1, maxBlockMs: 60_000 });
    await queue.start(bus as unknown as Bus);
    const waitingOnB = queue.take('b');
    await deliver(bus, 'a', [0, 1, 2]); // over the high-water mark, but 'b' is starving: returns at once
    await deliver(bus, 'b', [0]);
    assert.equal((await waitingOnB)!.topic, 'b');
    await queue.close();
  });
});

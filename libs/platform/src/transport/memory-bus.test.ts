import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineBusBehaviour } from './bus-behaviour';
import { MemoryBus } from './memory-bus';
import { partitionForKey } from './partitioner';

const shared = new MemoryBus({ defaultPartitions: 4 });
defineBusBehaviour({ name: 'memory', connect: () => shared, timeoutMs: 5000, graceMs: 100 });

describe('MemoryBus specifics', () => {
  it('places keyed records by Kafka partitioner and keyless ones round-robin', async () => {
    const bus = new MemoryBus();
    await bus.ensureTopics(['t'], 5);
    await bus.publish(['alpha', 'beta', 'gamma'].map((key) => ({ topic: 't', key, value: Buffer.from(key) })));
    const expected = [0, 0, 0, 0, 0];
    for (const key of ['alpha', 'beta', 'gamma']) expected[partitionForKey(key, 5)]++;
    assert.deepEqual(bus.endOffsets('t'), expected);
    await bus.publish(Array.from({ length: 10 }, () => ({ topic: 'u', value: Buffer.from('x') })));
    assert.deepEqual(bus.endOffsets('u'), [3, 3, 2, 2]);
  });

  it('discards the output of a batch whose partition moved to another member mid-batch', async () => {
    const bus = new MemoryBus({ defaultPartitions: 1 });
    await bus.publish([{ topic: 'in', key: 'k', value: Buffer.from('1') }]);
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const first = await bus.consume({
      groupId: 'g',
      topics: ['in'],
      handler: async (batch) => {
        calls++;
        await blocked;
        return batch.records.map((r) => ({ topic: 'out', key: r.key, value: Buffer.from('first') }));
      },
    });
    while (calls === 0) await new Promise((r) => setImmediate(r));
    // A second member joins: the single partition is re-dealt while the first handler is blocked.
    const second = await bus.consume({
      groupId: 'g',
      topics: ['in'],
      handler: async (batch) => batch.records.map((r) => ({ topic: 'out', key: r.key, value: Buffer.from('second') })),
    });
    release();
    while (bus.endOffsets('out').reduce((a, b) => a + b, 0) === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    await Promise.all([first.stop(), second.stop()]);
    assert.equal(bus.endOffsets('out').reduce((a, b) => a + b, 0), 1, 'exactly one output for one input');
  });
});

// The behaviour every Bus implementation must show, written once and run against both transports:
// libs/platform/src/transport/memory-bus.test.ts (embedded) and test/transport/kafka-bus.test.ts (real broker).
// Not a test file itself; it registers node:test cases when called.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTelemetry } from '../telemetry';
import type { Bus, ConsumedBatch, ConsumedRecord, OutgoingRecord, Subscription, TopicPartition } from './bus';
import { decodeDeadLetter, deadLetterFor } from './dead-letter';
import { deadLetterTopic } from '../contracts';
import { readTopic, uniqueName } from './topic-reading';

export interface BusHarness {
  /** Shown in test names. */
  name: string;
  /** A client of the shared message store: a new KafkaBus per call, the same MemoryBus for the embedded bus. */
  connect(): Bus;
  /** Generous wait for records to show up (a broker needs longer than the in-process bus). */
  timeoutMs: number;
  /** Quiet time after the expected records arrived before a read counts as complete (duplicates would show). */
  graceMs: number;
}

/** Spans of the whole test process, so the trace test can look at what the transport recorded. */
const spans = new InMemorySpanExporter();
startTelemetry({ serviceName: 'bus-behaviour-test', spanProcessors: [new SimpleSpanProcessor(spans)] });

export { readTopic, uniqueName };

function inputs(topic: string, count: number, keys: number): OutgoingRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    topic,
    key: `key-${i % keys}`,
    value: Buffer.from(String(i)),
    headers: { seq: String(i) },
  }));
}

/** The transform the stage tests run: one output per input, derived only from the input. */
function doubleTo(outputTopic: string) {
  return async (batch: ConsumedBatch): Promise<OutgoingRecord[]> =>
    batch.records.map((r) => ({ topic: outputTopic, key: r.key, value: Buffer.from(String(Number(r.value.toString()) * 2)), headers: { from: r.offset } }));
}

/** A handler that throws the first `times` times it is given offset 0 of a partition, then transforms. */
function failingAtFirstOffset(times: number, transform: (batch: ConsumedBatch) => Promise<OutgoingRecord[]>) {
  const flaky = {
    failures: 0,
    handler: async (batch: ConsumedBatch): Promise<OutgoingRecord[]> => {
      if (batch.records[0].offset === '0' && flaky.failures < times) {
        flaky.failures++;
        throw new Error('simulated handler failure');
      }
      return transform(batch);
    },
  };
  return flaky;
}

function sortedValues(records: ConsumedRecord[]): number[] {
  return records.map((r) => Number(r.value.toString())).sort((a, b) => a - b);
}

export function defineBusBehaviour(harness: BusHarness): void {
  describe(`Bus behaviour: ${harness.name}`, () => {
    const opened: Bus[] = [];
    const connect = (): Bus => {
      const bus = harness.connect();
      opened.push(bus);
      return bus;
    };
    after(async () => {
      await Promise.all([...new Set(opened)].map((b) => b.close()));
    });

    it('delivers published records to a group, with key, value and headers intact and same key on same partition', async () => {
      const bus = connect();
      const topic = uniqueName('roundtrip');
      await bus.ensureTopics([topic], 3);
      const sent = inputs(topic, 60, 7);
      await bus.publish(sent);
      const received: ConsumedRecord[] = [];
      const sub = await bus.consume({
        groupId: uniqueName('g'),
        topics: [topic],
        handler: async (batch) => {
          received.push(...batch.records);
          return [];
        },
      });
      const distinct = () => new Set(received.map((r) => `${r.partition}:${r.offset}`)).size;
      const deadline = Date.now() + harness.timeoutMs;
      while (distinct() < sent.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await sub.stop();
      // A handler may see a batch again after a failed commit (delivery to handlers is at least once;
      // committed effects are exactly once), so positions are compared as a set.
      assert.equal(distinct(), sent.length);
      const partitionOfKey = new Map<string, number>();
      for (const record of received) {
        const original = sent[Number(record.headers.seq)];
        assert.equal(record.key, original.key);
        assert.deepEqual(record.value, original.value);
        assert.equal(record.topic, topic);
        const known = partitionOfKey.get(record.key!);
        if (known !== undefined) assert.equal(record.partition, known, `key ${record.key} seen on two partitions`);
        partitionOfKey.set(record.key!, record.partition);
      }
      assert.ok(new Set(partitionOfKey.values()).size > 1, 'seven keys over three partitions should use more than one');
    });

    it('keeps per-partition order: records of one key arrive in publish order', async () => {
      const bus = connect();
      const topic = uniqueName('order');
      await bus.ensureTopics([topic], 4);
      for (let round = 0; round < 4; round++) await bus.publish(inputs(topic, 25, 5).map((r, i) => ({ ...r, headers: { seq: String(round * 25 + i) } })));
      const records = await readTopic(bus, topic, 100, harness.timeoutMs, harness.graceMs);
      assert.equal(records.length, 100);
      const lastSeqByKey = new Map<string, number>();
      for (const record of records) {
        const seq = Number(record.headers.seq);
        assert.ok(seq > (lastSeqByKey.get(record.key!) ?? -1), `key ${record.key}: seq ${seq} after ${lastSeqByKey.get(record.key!)}`);
        lastSeqByKey.set(record.key!, seq);
      }
    });

    it('transforms and produces each input exactly once, in batches no larger than asked', async () => {
      const bus = connect();
      const input = uniqueName('in');
      const output = uniqueName('out');
      await bus.ensureTopics([input, output], 3);
      await bus.publish(inputs(input, 300, 11));
      let largest = 0;
      const sub = await bus.consume({
        groupId: uniqueName('stage'),
        topics: [input],
        maxBatchRecords: 40,
        handler: async (batch) => {
          largest = Math.max(largest, batch.records.length);
          return doubleTo(output)(batch);
        },
      });
      const out = await readTopic(bus, output, 300, harness.timeoutMs, harness.graceMs);
      await sub.stop();
      assert.deepEqual(sortedValues(out), Array.from({ length: 300 }, (_, i) => i * 2));
      assert.ok(largest > 0 && largest <= 40, `largest batch ${largest}`);
    });

    it('gives the same outputs with 1 and with 3 consumers in a group, and the 3 share the work', async () => {
      const input = uniqueName('in');
      const outOne = uniqueName('out1');
      const outThree = uniqueName('out3');
      const publisher = connect();
      await publisher.ensureTopics([input, outOne, outThree], 6);

      const one = await connect().consume({ groupId: uniqueName('one'), topics: [input], maxBatchRecords: 25, handler: doubleTo(outOne) });
      const groupId = uniqueName('three');
      const handled = [0, 0, 0];
      const three: Subscription[] = [];
      for (let c = 0; c < 3; c++) {
        const transform = doubleTo(outThree);
        three.push(
          await connect().consume({
            groupId,
            topics: [input],
            maxBatchRecords: 25,
            handler: async (batch) => {
              handled[c] += batch.records.length;
              return transform(batch);
            },
          }),
        );
      }
      // Input trickles in until all three members have work (a Kafka group needs a moment to settle
      // on three members), then the rest arrives at once.
      const all = inputs(input, 600, 37);
      let sent = 0;
      while (sent < all.length) {
        const wave = handled.every((h) => h > 0) ? all.length - sent : 5;
        await publisher.publish(all.slice(sent, sent + wave));
        sent += wave;
        if (sent < all.length) await new Promise((r) => setTimeout(r, 150));
      }
      const [resultOne, resultThree] = await Promise.all([
        readTopic(publisher, outOne, 600, harness.timeoutMs, harness.graceMs),
        readTopic(publisher, outThree, 600, harness.timeoutMs, harness.graceMs),
      ]);
      await Promise.all([one.stop(), ...three.map((s) => s.stop())]);
      assert.equal(resultOne.length, 600);
      assert.equal(resultThree.length, 600);
      assert.deepEqual(sortedValues(resultThree), sortedValues(resultOne));
      assert.ok(handled.every((h) => h > 0), `work per consumer: ${handled}`);
    });

    it('tells each group member its partitions after every rebalance', async () => {
      const input = uniqueName('in');
      await connect().ensureTopics([input], 4);
      const groupId = uniqueName('assign');
      const held: TopicPartition[][] = [[], []];
      const until = async (what: string, done: () => boolean) => {
        const deadline = Date.now() + harness.timeoutMs;
        while (!done()) {
          assert.ok(Date.now() < deadline, `${what}; held: ${JSON.stringify(held)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      const partitionsOf = (...members: TopicPartition[][]) => members.flat().map((tp) => `${tp.topic}:${tp.partition}`).sort();
      const all = [0, 1, 2, 3].map((p) => `${input}:${p}`);
      const first = await connect().consume({ groupId, topics: [input], handler: async () => [], onAssigned: (p) => (held[0] = p) });
      await until('a lone member holds every partition', () => partitionsOf(held[0]).join() === all.join());
      const second = await connect().consume({ groupId, topics: [input], handler: async () => [], onAssigned: (p) => (held[1] = p) });
      await until('two members split the partitions', () => held[0].length > 0 && held[1].length > 0 && partitionsOf(...held).join() === all.join());
      await second.stop();
      await until('the one left holds every partition again', () => partitionsOf(held[0]).join() === all.join());
      await first.stop();
    });

    it('redelivers a batch whose handler threw, and writes nothing from the failed attempt', async () => {
      const bus = connect();
      const input = uniqueName('in');
      const output = uniqueName('out');
      await bus.ensureTopics([input, output], 2);
      await bus.publish(inputs(input, 100, 9));
      // Fails the first two times it is given offset 0 of a partition.
      const flaky = failingAtFirstOffset(2, doubleTo(output));
      const sub = await bus.consume({ groupId: uniqueName('flaky'), topics: [input], maxBatchRecords: 10, handler: flaky.handler });
      const out = await readTopic(bus, output, 100, harness.timeoutMs, harness.graceMs);
      await sub.stop();
      assert.equal(flaky.failures, 2);
      assert.deepEqual(sortedValues(out), Array.from({ length: 100 }, (_, i) => i * 2));
    });

    it('keeps stage state: readState gives the newest committed value per key, written in the batch transaction', async () => {
      const bus = connect();
      const input = uniqueName('in');
      const state = uniqueName('state');
      await bus.ensureTopics([input], 2);
      await bus.ensureStateTopic(state);
      assert.equal(await bus.readState(state, 'in/0'), undefined, 'no state yet');
      await bus.publish(inputs(input, 40, 5));
      // The handler's state record (running count per input partition) commits with the batch's offsets.
      const counts = new Map<number, number>();
      const flaky = failingAtFirstOffset(1, async (batch) => {
        const before = Number((await bus.readState(state, `in/${batch.partition}`))?.toString() ?? '0');
        counts.set(batch.partition, before + batch.records.length);
        return [{ topic: state, key: `in/${batch.partition}`, value: Buffer.from(String(before + batch.records.length)) }];
      });
      const sub = await bus.consume({ groupId: uniqueName('stateful'), topics: [input], maxBatchRecords: 7, handler: flaky.handler });
      const deadline = Date.now() + harness.timeoutMs;
      while ([...counts.values()].reduce((a, b) => a + b, 0) < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await sub.stop();
      const stored = await Promise.all([0, 1].map(async (p) => Number((await bus.readState(state, `in/${p}`))?.toString() ?? '0')));
      assert.equal(stored[0]! + stored[1]!, 40, 'each record counted once across retries');
      assert.equal(flaky.failures, 1);
      await bus.publish([{ topic: state, key: 'other', value: Buffer.from('x') }, { topic: state, key: 'other', value: Buffer.from('y') }]);
      assert.equal((await bus.readState(state, 'other'))?.toString(), 'y');
      assert.equal(stored[0], Number((await bus.readState(state, 'in/0'))!.toString()), 'other keys do not disturb a key');
    });

    it('readState by another client right after a commit sees the committed value (a takeover never misses it)', async () => {
      const writer = connect();
      const reader = connect();
      const input = uniqueName('in');
      await writer.ensureTopics([input], 1);
      // Fresh state topics: each value is the only record of its partition, so a reader that took the
      // partition's listed end for its content would find nothing while the commit markers are on their way.
      const states = Array.from({ length: 6 }, () => uniqueName('state'));
      for (const state of states) await writer.ensureStateTopic(state);
      const reads: Array<Promise<string | undefined>> = [];
      const sub = await writer.consume({
        groupId: uniqueName('takeover'),
        topics: [input],
        maxBatchRecords: 1,
        handler: async (batch) => [{ topic: states[Number(batch.records[0]!.offset)]!, key: 'carried', value: Buffer.from(`after ${batch.records[0]!.offset}`) }],
        onCommitted: (batch) => reads.push(reader.readState(states[Number(batch.records[0]!.offset)]!, 'carried').then((v) => v?.toString())),
      });
      await writer.publish(inputs(input, states.length, 1));
      const deadline = Date.now() + harness.timeoutMs;
      while (reads.length < states.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await sub.stop();
      assert.deepEqual(await Promise.all(reads), states.map((_, i) => `after ${i}`));
    });

    it('tells onCommitted only when a member joining then would start after the batch', async () => {
      const bus = connect();
      const observer = connect();
      const lagOf = observer.consumerLag?.bind(observer);
      assert.ok(lagOf, 'the bus reports consumer lag');
      const input = uniqueName('in');
      await bus.ensureTopics([input], 1);
      const groupId = uniqueName('stable');
      const count = 8;
      // The group's lag as another client reads it the moment each one-record batch is told committed:
      // at most what follows the batch (a transaction marker included on Kafka).
      const seen: Array<Promise<{ offset: number; lag: number }>> = [];
      const sub = await bus.consume({
        groupId,
        topics: [input],
        maxBatchRecords: 1,
        handler: async () => [],
        onCommitted: (batch) => seen.push(lagOf(groupId, [input]).then((lag) => ({ offset: Number(batch.records[0]!.offset), lag }))),
      });
      await bus.publish(inputs(input, count, 1));
      const deadline = Date.now() + harness.timeoutMs;
      while (seen.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await sub.stop();
      const lags = await Promise.all(seen);
      assert.equal(lags.length, count);
      for (const { offset, lag } of lags) assert.ok(lag <= count - offset, `after offset ${offset} the group still lags ${lag}`);
    });

    it('writes a record to the partition it names, whatever its key', async () => {
      const bus = connect();
      const topic = uniqueName('pinned');
      await bus.ensureTopics([topic], 3);
      await bus.publish([0, 1, 2].map((partition) => ({ topic, key: 'same-key', partition, value: Buffer.from(String(partition)) })));
      const read = await readTopic(bus, topic, 3, harness.timeoutMs, harness.graceMs);
      assert.deepEqual(read.map((r) => [r.partition, r.value.toString()]).sort(), [[0, '0'], [1, '1'], [2, '2']]);
    });

    it('tells onCommitted about each committed batch once, with its outputs, and never about a failed attempt', async () => {
      const bus = connect();
      const input = uniqueName('in');
      const output = uniqueName('out');
      await bus.ensureTopics([input, output], 2);
      await bus.publish(inputs(input, 60, 7));
      const committed: Array<{ inputs: string[]; outputs: string[] }> = [];
      const flaky = failingAtFirstOffset(2, doubleTo(output));
      const sub = await bus.consume({
        groupId: uniqueName('told'),
        topics: [input],
        maxBatchRecords: 10,
        handler: flaky.handler,
        onCommitted: (batch, outputs) => committed.push({ inputs: batch.records.map((r) => r.value.toString()), outputs: outputs.map((r) => r.value.toString()) }),
      });
      await readTopic(bus, output, 60, harness.timeoutMs, harness.graceMs);
      await sub.stop();
      assert.equal(flaky.failures, 2);
      const told = committed.flatMap((c) => c.inputs).map(Number).sort((a, b) => a - b);
      assert.deepEqual(told, Array.from({ length: 60 }, (_, i) => i), 'every input once');
      for (const c of committed) assert.deepEqual(c.outputs, c.inputs.map((v) => String(Number(v) * 2)));
    });

    it('stop() lets the in-flight batch finish and commit, so the next consumer starts after it', async () => {
      const bus = connect();
      const input = uniqueName('in');
      const output = uniqueName('out');
      await bus.ensureTopics([input, output], 1);
      await bus.publish(inputs(input, 30, 3));
      const groupId = uniqueName('drain');
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let started!: () => void;
      const inFlight = new Promise<void>((resolve) => (started = resolve));
      const transform = doubleTo(output);
      const first = await bus.consume({
        groupId,
        topics: [input],
        maxBatchRecords: 10,
        handler: async (batch) => {
          started();
          await released;
          return transform(batch);
        },
      });
      await inFlight;
      const stopping = first.stop();
      await new Promise((r) => setTimeout(r, 50));
      release();
      await stopping;
      const afterStop = await readTopic(bus, output, 10, harness.timeoutMs, harness.graceMs);
      assert.equal(afterStop.length, 10, 'exactly the in-flight batch was committed');
      const seenBySecond: string[] = [];
      const second = await connect().consume({
        groupId,
        topics: [input],
        handler: async (batch) => {
          seenBySecond.push(...batch.records.map((r) => r.offset));
          return transform(batch);
        },
      });
      const all = await readTopic(bus, output, 30, harness.timeoutMs, harness.graceMs);
      await second.stop();
      assert.deepEqual(sortedValues(all), Array.from({ length: 30 }, (_, i) => i * 2));
      assert.ok(!seenBySecond.includes('0'), 'the drained batch was not delivered again');
    });

    it('resumes a caller-managed reader at the offsets it was given', async () => {
      const bus = connect();
      const topic = uniqueName('external');
      await bus.ensureTopics([topic], 2);
      await bus.publish(inputs(topic, 40, 4));
      const all = await readTopic(bus, topic, 40, harness.timeoutMs, harness.graceMs);
      assert.equal(all.length, 40);
      // Resume partition 0 at its 5th record and partition 1 at its end.
      const byPartition = [0, 1].map((p) => all.filter((r) => r.partition === p).sort((a, b) => Number(a.offset) - Number(b.offset)));
      const startOffsets = [
        { topic, partition: 0, offset: byPartition[0][4].offset },
        { topic, partition: 1, offset: (BigInt(byPartition[1].at(-1)!.offset) + 1n).toString() },
      ];
      const resumed: ConsumedRecord[] = [];
      const sub = await bus.consumeFrom({
        topics: [topic],
        startOffsets,
        handler: async (batch) => {
          resumed.push(...batch.records);
          return [];
        },
      });
      const expected = byPartition[0].slice(4);
      const deadline = Date.now() + harness.timeoutMs;
      while (resumed.length < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, harness.graceMs));
      await sub.stop();
      assert.deepEqual(
        resumed.map((r) => `${r.partition}:${r.offset}`),
        expected.map((r) => `${r.partition}:${r.offset}`),
      );
    });

    it("reports a group's consumer lag: all records before it reads them, none after", async () => {
      const bus = connect();
      assert.ok(bus.consumerLag, 'the bus can tell its consumer lag');
      const topic = uniqueName('lag');
      await bus.ensureTopics([topic], 2);
      await bus.publish(inputs(topic, 10, 4));
      const groupId = uniqueName('g');
      // Kafka gives every transaction's commit marker an offset: a partition may count one more.
      const waiting = await bus.consumerLag!(groupId, [topic]);
      assert.ok(waiting >= 10 && waiting <= 12, `lag before reading: ${waiting}`);
      let seen = 0;
      const sub = await bus.consume({ groupId, topics: [topic], handler: async (batch) => ((seen += batch.records.length), []) });
      const deadline = Date.now() + harness.timeoutMs;
      while (seen < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await sub.stop();
      const left = await bus.consumerLag!(groupId, [topic]);
      assert.ok(left <= 2, `lag after reading everything: ${left}`);
    });

    it('pause holds one topic back while the others flow; resume delivers the rest exactly once, with no handler failure', async () => {
      const bus = connect();
      const held = uniqueName('paused');
      const flowing = uniqueName('flowing');
      await bus.ensureTopics([held, flowing], 2);
      const seen: ConsumedRecord[] = [];
      const sub = await bus.consumeFrom({
        topics: [held, flowing],
        maxBatchRecords: 4,
        handler: async (batch) => {
          seen.push(...batch.records);
          return [];
        },
      });
      sub.pause([held]);
      await bus.publish([...inputs(held, 12, 3), ...inputs(flowing, 12, 3)]);
      const waitFor = async (done: () => boolean) => {
        const deadline = Date.now() + harness.timeoutMs;
        while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
        await new Promise((r) => setTimeout(r, harness.graceMs));
      };
      await waitFor(() => seen.filter((r) => r.topic === flowing).length >= 12);
      assert.equal(seen.filter((r) => r.topic === flowing).length, 12, 'the other topic flowed while one was paused');
      assert.equal(seen.filter((r) => r.topic === held).length, 0, 'nothing of the paused topic was delivered');
      sub.resume([held]);
      await waitFor(() => seen.filter((r) => r.topic === held).length >= 12);
      await sub.stop();
      const heldOffsets = seen.filter((r) => r.topic === held).map((r) => `${r.partition}:${r.offset}`);
      assert.equal(heldOffsets.length, 12);
      assert.equal(new Set(heldOffsets).size, 12, 'each record once');
    });

    it('routes bad input to the stage dead-letter topic with the error and the original bytes', async () => {
      const bus = connect();
      const input = uniqueName('in');
      const output = uniqueName('out');
      const stage = uniqueName('stage').replace(/\./g, '-');
      const dlq = deadLetterTopic(stage);
      await bus.ensureTopics([input, output, dlq], 1);
      await bus.publish([
        { topic: input, key: 'a', value: Buffer.from('12') },
        { topic: input, key: 'a', value: Buffer.from('not a number') },
        { topic: input, key: 'a', value: Buffer.from('30') },
      ]);
      const sub = await bus.consume({
        groupId: stage,
        topics: [input],
        handler: async (batch) =>
          batch.records.map((r) => {
            const n = Number(r.value.toString());
            return Number.isFinite(n) ? { topic: output, key: r.key, value: Buffer.from(String(n)) } : deadLetterFor(stage, r, new Error('value is not a number'));
          }),
      });
      const [good, dead] = await Promise.all([readTopic(bus, output, 2, harness.timeoutMs, harness.graceMs), readTopic(bus, dlq, 1, harness.timeoutMs, harness.graceMs)]);
      await sub.stop();
      assert.deepEqual(sortedValues(good), [12, 30]);
      assert.equal(dead.length, 1);
      const letter = decodeDeadLetter(dead[0].value);
      assert.equal(letter.stage, stage);
      assert.equal(letter.error, 'Error: value is not a number');
      assert.equal(Buffer.from(letter.original!).toString(), 'not a number');
      assert.equal(letter.topic, input);
      assert.equal(letter.offset, '1');
    });

    it('carries the trace context: a batch span is parented to the producer and its outputs continue the trace', async () => {
      const bus = connect();
      const input = uniqueName('in');
      const output = uniqueName('out');
      await bus.ensureTopics([input, output], 1);
      const tracer = trace.getTracer('bus-behaviour-test');
      const producerSpan = tracer.startSpan('ingest test batch');
      await context.with(trace.setSpan(context.active(), producerSpan), () => bus.publish(inputs(input, 5, 1)));
      producerSpan.end();
      const { traceId, spanId } = producerSpan.spanContext();
      const sub = await bus.consume({ groupId: uniqueName('traced'), topics: [input], handler: doubleTo(output) });
      const out = await readTopic(bus, output, 5, harness.timeoutMs, harness.graceMs);
      await sub.stop();
      assert.equal(out.length, 5);
      const batchSpans = spans.getFinishedSpans().filter((s) => s.name === `process ${input}`);
      assert.ok(batchSpans.length >= 1, 'no batch span recorded');
      for (const span of batchSpans) {
        assert.equal(span.spanContext().traceId, traceId);
        assert.equal(span.parentSpanContext?.spanId, spanId);
        assert.equal(span.attributes['messaging.destination.name'], input);
      }
      for (const record of out) assert.equal(record.headers.traceparent?.split('-')[1], traceId);
    });
  });
}

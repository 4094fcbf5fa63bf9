// The bus as a Nest microservice transport, on the in-process bus inside a real hybrid Nest app: a
// controller's @EventPattern handler gets whole batches, what it returns is committed with the batch's
// offsets (dead letters included), a handler that throws gets the batch again, and closing the app
// lets the batch in flight commit first.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import 'reflect-metadata';
import { Controller, Inject, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload, Ctx, type MicroserviceOptions } from '@nestjs/microservices';
import {
  type ConsumedBatch,
  type OutgoingRecord,
  deadLetterTopic,
  deadLetterFor,
  decodeDeadLetter,
  MemoryBus,
} from '@cptflow/platform';
import { readTopic } from '@cptflow/platform/testing';
import { BusContext, BusTransport, type BatchEvents, type BusSubscription } from './bus-transport';

const stage: BusSubscription = { name: 'shout', groupId: 'test.shout', inputTopics: ['test.words'], outputTopics: ['test.shouted'] };
const WORDS = stage.inputTopics[0]!;
const SHOUTED = stage.outputTopics[0]!;

/** What a test makes the handler do; the controller reads it for every batch. */
interface Behaviour {
  failuresLeft: number;
  /** Holds each batch until it resolves. */
  gate?: Promise<void>;
  started: () => void;
  batches: { size: number; groupId: string }[];
}
const BEHAVIOUR = Symbol('behaviour');

@Controller()
class ShoutController {
  constructor(@Inject(BEHAVIOUR) private readonly behaviour: Behaviour) {}

  @EventPattern<BatchEvents>(stage.name)
  // Nest's typed events give every parameter after the payload the type `unknown`.
  async shout(@Payload() batch: ConsumedBatch, @Ctx() context: unknown): Promise<OutgoingRecord[]> {
    const b = this.behaviour;
    b.batches.push({ size: batch.records.length, groupId: (context as BusContext).getGroupId() });
    b.started();
    await b.gate;
    if (b.failuresLeft > 0) {
      b.failuresLeft--;
      throw new Error('store unavailable');
    }
    return batch.records.map((record) => {
      const word = record.value.toString();
      if (!/^[a-z]+$/.test(word)) return deadLetterFor(stage.name, record, new Error(`not a word: ${JSON.stringify(word)}`), { prefix: 'test' });
      return { topic: SHOUTED, key: record.key, value: Buffer.from(word.toUpperCase()) };
    });
  }
}

@Controller()
class SilentController {}

@Controller()
class TwoPatternsController extends ShoutController {
  @EventPattern<BatchEvents>('whisper')
  whisper(@Payload() batch: ConsumedBatch): OutgoingRecord[] {
    return batch.records.map((record) => ({ topic: SHOUTED, value: record.value }));
  }
}

function behaviour(overrides: Partial<Behaviour> = {}): Behaviour {
  return { failuresLeft: 0, started: () => {}, batches: [], ...overrides };
}

async function startApp(bus: MemoryBus, b: Behaviour, controller: new (...args: never[]) => unknown = ShoutController) {
  @Module({ controllers: [controller], providers: [{ provide: BEHAVIOUR, useValue: b }] })
  class AppModule {}
  const committed: number[] = [];
  const transport = new BusTransport({ bus, stage, partitions: 1, maxBatchRecords: 10, onCommitted: (batch) => committed.push(batch.records.length) });
  const app: INestApplication = await NestFactory.create(AppModule, { logger: false });
  app.connectMicroservice<MicroserviceOptions>({ strategy: transport });
  await app.startAllMicroservices();
  return { app, transport, committed };
}

const words = (...values: string[]) => values.map((value, i) => ({ topic: WORDS, key: `k${i}`, value: Buffer.from(value) }));

describe('BusTransport', () => {
  it('hands each batch to the @EventPattern handler and commits what it returns, dead letters included', async () => {
    const bus = new MemoryBus({ defaultPartitions: 1 });
    const b = behaviour();
    const { app, transport, committed } = await startApp(bus, b);
    try {
      assert.equal(transport.subscribed, true);
      await bus.publish(words('river', 'stone', '42', 'glacier'));
      const shouted = await readTopic(bus, SHOUTED, 3, 5_000, 100);
      assert.deepEqual(shouted.map((r) => r.value.toString()), ['RIVER', 'STONE', 'GLACIER']);
      const dead = await readTopic(bus, deadLetterTopic(stage.name, 'test'), 1, 5_000, 100);
      assert.equal(decodeDeadLetter(dead[0]!.value).error, 'Error: not a word: "42"');
      assert.deepEqual(b.batches, [{ size: 4, groupId: stage.groupId }]); // one event per batch, not per record
      assert.deepEqual(committed, [4]);
      assert.equal(await bus.consumerLag(stage.groupId, stage.inputTopics), 0);
    } finally {
      await app.close();
    }
  });

  it('a handler that throws commits nothing and gets the same batch again', async () => {
    const bus = new MemoryBus({ defaultPartitions: 1, retryBackoffMs: 5, onError: () => {} });
    const b = behaviour({ failuresLeft: 2 });
    const { app, committed } = await startApp(bus, b);
    try {
      await bus.publish(words('moss', 'fern'));
      const shouted = await readTopic(bus, SHOUTED, 2, 5_000, 200);
      assert.deepEqual(shouted.map((r) => r.value.toString()), ['MOSS', 'FERN']); // once each, though handled three times
      assert.deepEqual(b.batches.map((x) => x.size), [2, 2, 2]);
      assert.deepEqual(committed, [2]);
    } finally {
      await app.close();
    }
  });

  it('closing the app stops fetching, lets the batch in flight commit, then reports not subscribed', async () => {
    const bus = new MemoryBus({ defaultPartitions: 1 });
    let release!: () => void;
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const b = behaviour({ gate: new Promise<void>((resolve) => (release = resolve)), started });
    const { app, transport, committed } = await startApp(bus, b);
    await bus.publish(words('oak', 'ash'));
    await inFlight;
    let closed = false;
    const closing = app.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(closed, false, 'close waits for the batch in flight');
    await bus.publish(words('elm')); // arrives while draining: left for the next consumer
    release();
    await closing;
    assert.deepEqual(committed, [2]);
    assert.equal(transport.subscribed, false);
    assert.equal(await bus.consumerLag(stage.groupId, stage.inputTopics), 1);
    assert.deepEqual((await readTopic(bus, SHOUTED, 2, 5_000, 100)).map((r) => r.value.toString()), ['OAK', 'ASH']);
  });

  it('refuses to start without an @EventPattern handler for the stage', async () => {
    const bus = new MemoryBus({ defaultPartitions: 1 });
    await assert.rejects(startApp(bus, behaviour(), SilentController), /stage shout: no @EventPattern\('shout'\) handler/);
  });

  it('refuses a pattern the bus would never deliver', async () => {
    const bus = new MemoryBus({ defaultPartitions: 1 });
    await assert.rejects(startApp(bus, behaviour(), TwoPatternsController), /the bus delivers no patterns but 'shout'; remove whisper/);
  });
});

// The per-stage summary: counted from what the real quality-filter and dedup stages commit, one line
// with the top rejection rules, and a warning when most documents are rejected (dictionary-like text).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import 'reflect-metadata';
import { Controller, Inject, Logger, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { loadConfig, topicsSchema, codecFor, Document, type ConsumedBatch, MemoryBus } from '@cptflow/platform';
import {
  MemorySignatureStore,
  createDedupStage,
  createQualityStage,
  QUALITY_STAGE,
  type Stage,
  StageAccounting,
} from '@cptflow/data';
import { PROSE } from '@cptflow/data/testing';
import { StageHostModule, startStageTransport } from './stage-host.module';
import { STAGE } from './tokens';
import type { BatchEvents } from './bus-transport';
import { startStageSummaries } from './stage-summaries';

const topics = topicsSchema.parse({});
const documentCodec = codecFor<Document>(Document);
/** A dictionary page: one short headword and gloss per line, which FineWeb's line rules reject. */
const dictionaryEntry = (i: number) => Array.from({ length: 12 }, (_, j) => `word${i}x${j} n. a thing`).join('\n');
const prose = (i: number) => `${PROSE}\nThis is page ${i} of the story, and the river rose again that spring.`;

function batchOf(topic: string, docs: Document[], bad = 0): ConsumedBatch {
  const values = [...docs.map((d) => documentCodec.encode(d)), ...Array.from({ length: bad }, () => Buffer.from([0xff]))];
  return { topic, partition: 0, records: values.map((value, i) => ({ topic, partition: 0, offset: String(i), value, headers: {} })) };
}

describe('StageAccounting', () => {
  it("counts a quality stage's committed outputs by rule and warns when most documents are rejected", async () => {
    const stage = createQualityStage({ topics });
    const accounting = new StageAccounting(stage.name, topics);
    const docs = [...Array.from({ length: 28 }, (_, i) => ({ id: `dict-${i}`, text: dictionaryEntry(i) })), ...[0, 1].map((i) => ({ id: `prose-${i}`, text: prose(i) }))];
    const batch = batchOf(topics.docsRaw, docs, 1);
    accounting.countCommitted(batch, await stage.handle(batch));
    const t = accounting.totals();
    assert.deepEqual([t.consumed, t.kept, t.rejected, t.deadLetters], [31, 2, 28, 1]);
    const [topRule] = Object.entries(t.rejectedByRule).sort((a, b) => b[1] - a[1])[0]!;
    const line = accounting.summaryLine(5);
    assert.match(line, /^quality-filter: consumed 31 \| kept 2 \| rejected 28 \(/);
    assert.ok(line.includes(`${topRule} `), line);
    assert.match(line, /\| duplicates 0 \| dead letters 1 \| lag 5$/);
    const warning = accounting.mostlyRejectedWarning();
    assert.match(warning ?? '', new RegExp(`quality-filter rejected 93\\.3% of 30 documents \\(most by ${topRule}`));
  });

  it('does not warn on ordinary text, and counts duplicates by kind', async () => {
    const quality = new StageAccounting('quality-filter', topics);
    const stage = createQualityStage({ topics });
    const docs = Array.from({ length: 25 }, (_, i) => ({ id: `p${i}`, text: prose(i) }));
    const batch = batchOf(topics.docsRaw, docs);
    quality.countCommitted(batch, await stage.handle(batch));
    assert.equal(quality.totals().kept, 25);
    assert.equal(quality.mostlyRejectedWarning(), undefined);

    const dedup = createDedupStage({ topics, store: new MemorySignatureStore() });
    const dedupAccounting = new StageAccounting(dedup.name, topics);
    const other = { id: 'other', text: 'Glaciers move slowly across the northern valleys during the long winters, carving lakes as they go.' };
    const again = batchOf(topics.docsFiltered, [docs[0]!, { ...docs[0]!, id: 'copy' }, other]);
    dedupAccounting.countCommitted(again, await dedup.handle(again));
    assert.match(dedupAccounting.summaryLine(), /^dedup: consumed 3 \| kept 2 \| rejected 0 \| duplicates 1 \(exact 1\) \| dead letters 0$/);
  });

  it('logs a line per interval only while something changes', async () => {
    const accounting = new StageAccounting('dedup', topics);
    const lines: string[] = [];
    const summaries = startStageSummaries({ accounting, everyMs: 60_000, log: (l) => lines.push(l), warn: (l) => lines.push(`WARN ${l}`) });
    summaries.logNow();
    summaries.logNow();
    accounting.countCommitted(batchOf(topics.docsFiltered, [{ id: 'a', text: prose(0) }]), []);
    summaries.logNow();
    summaries.stop();
    assert.deepEqual(lines.map((l) => l.split(' | ')[0]), ['dedup: consumed 0', 'dedup: consumed 1']);
  });
});

/** What the quality-filter service declares (a lib test cannot import a service). */
@Controller()
class QualityFilterController {
  constructor(@Inject(STAGE) private readonly stage: Stage) {}

  @EventPattern<BatchEvents>(QUALITY_STAGE)
  filter(@Payload() batch: ConsumedBatch) {
    return this.stage.handle(batch);
  }
}

describe('a stage service (StageHostModule)', () => {
  it('logs its backends at start and summary lines and the mostly-rejected warning while it runs', async () => {
    const lines: string[] = [];
    const logger: LoggerService = {
      log: (m: unknown) => void lines.push(`LOG ${String(m)}`),
      warn: (m: unknown) => void lines.push(`WARN ${String(m)}`),
      error: (m: unknown) => void lines.push(`ERROR ${String(m)}`),
    };
    const config = loadConfig({ env: {}, overrides: { logging: { summaryEverySeconds: 0.05 } } });
    const bus = new MemoryBus({ defaultPartitions: 1 });
    const app = await NestFactory.create(
      StageHostModule.register({ config, bus, controller: QualityFilterController, createStage: () => createQualityStage({ topics: config.topics }), backends: { 'dedup store': 'memory' } }),
      { logger },
    );
    await startStageTransport(app);
    try {
      await bus.publish(Array.from({ length: 25 }, (_, i) => ({ topic: config.topics.docsRaw, key: `d${i}`, value: documentCodec.encode({ id: `d${i}`, text: dictionaryEntry(i) }) })));
      const deadline = Date.now() + 10_000;
      while (!lines.some((l) => l.startsWith('WARN quality-filter rejected 100.0% of 25 documents'))) {
        assert.ok(Date.now() < deadline, lines.join('\n'));
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(lines.includes('LOG quality-filter: backends: bus memory (in-process, this process only); dedup store memory'), lines.join('\n'));
      assert.ok(lines.some((l) => /^LOG quality-filter: consumed 25 \| kept 0 \| rejected 25 \(.+\) \| duplicates 0 \| dead letters 0/.test(l)), lines.join('\n'));
    } finally {
      await app.close();
      Logger.overrideLogger(false);
    }
  });
});

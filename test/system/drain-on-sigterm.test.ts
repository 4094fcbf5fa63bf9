// Graceful shutdown under load, on a real Kafka broker: a quality-filter process is sent SIGTERM while a
// stream is flowing through it. It must finish the batch in hand, commit, and exit 0; a successor in
// the same consumer group then carries on from the committed position, and every document ends up with
// exactly one verdict (kept or rejected): nothing lost by the stop, nothing done twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, deadLetterTopic, createBus } from '@cptflow/platform';
import { ingestToBus } from '@cptflow/data';
import { saltedCorpus, writeJsonl } from '../support/salted-corpus';
import { startService } from '../support/service-process';
import { readTopics, uniqueTopics } from '../support/topic-reader';

const brokers = process.env.KAFKA_BROKERS;

test('quality-filter drains its in-flight batch on SIGTERM, exits 0, and a successor completes the stream exactly once', { skip: !brokers && 'KAFKA_BROKERS is not set (scripts/run-tests.js starts a broker)', timeout: 180_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-drain-'));
  const topics = uniqueTopics(`drain${Date.now()}`);
  const configFile = path.join(dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify({ bus: { kind: 'kafka', brokers: brokers!.split(','), partitions: 2, maxBatchRecords: 4 }, topics }));
  const env = { CPTFLOW_CONFIG: configFile, KAFKA_BROKERS: '', CPTFLOW_INSTANCE_ID: 'quality-filter-0' };
  const bus = createBus(loadConfig({ file: configFile, env: {} }).bus);
  const services = [];
  try {
    const corpus = saltedCorpus({ documents: 240, exactCopies: 0, nearCopies: 0, seed: 5 });
    const file = path.join(dir, 'corpus.jsonl');
    writeJsonl(file, corpus.lines);
    await bus.ensureTopics([topics.docsRaw, topics.docsFiltered, topics.docsRejected], 2);
    const summary = await ingestToBus(file, bus, { topics: { raw: topics.docsRaw, deadLetter: deadLetterTopic('ingest', topics.deadLetterPrefix) } });
    const documents = summary.documents;

    // Count verdicts as they are committed, to stop the filter mid-stream.
    let seen = 0;
    const watcher = await bus.consume({
      groupId: `drain-watch-${Date.now()}`,
      topics: [topics.docsFiltered, topics.docsRejected],
      handler: async (batch) => {
        seen += batch.records.length;
        return [];
      },
    });
    const first = await startService('quality-filter', env);
    services.push(first);
    const deadline = Date.now() + 60_000;
    while (seen === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await first.stop();
    await new Promise((r) => setTimeout(r, 500));
    const atStop = seen;
    console.log(`${atStop} of ${documents} verdicts committed when the first filter stopped`);
    await watcher.stop();
    assert.equal(first.child.exitCode, 0, first.output());
    assert.match(first.output(), /draining/);
    assert.ok(atStop > 0 && atStop < documents, `stopped mid-stream (${atStop} of ${documents} verdicts committed)`);

    const successor = await startService('quality-filter', env);
    services.push(successor);
    const records = await readTopics(bus, [topics.docsFiltered, topics.docsRejected], documents, 90_000);
    const perDocument = new Map<string, number>();
    for (const r of records) perDocument.set(r.key!, (perDocument.get(r.key!) ?? 0) + 1);
    assert.equal(perDocument.size, documents, 'every document has a verdict');
    assert.deepEqual([...perDocument.values()].filter((n) => n !== 1), [], 'no document has two verdicts');
    await successor.stop();
    assert.equal(successor.child.exitCode, 0);
  } finally {
    await Promise.all(services.map((s) => s.kill()));
    await bus.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// Boots the ingest HTTP module on loopback with a Bus that records what it is given, and talks to it
// over real HTTP.
import 'reflect-metadata';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  codecFor,
  DeadLetter,
  Document,
  Rejection,
  loadConfig,
  type Bus,
  type OutgoingRecord,
} from '@cptflow/platform';
import { ingestHttpConfig } from './ingest.config';
import { HealthController, Readiness } from '@cptflow/nest-host';
import { IngestModule } from './ingest.module';

const TOKEN = 'test-token-0123456789abcdef';
const MAX_UPLOAD = 4096;
const FIXTURES = resolve(__dirname, '../../../../libs/data/fixtures/ingest');
type BodyInit = NonNullable<RequestInit['body']>;
const documents = codecFor<Document>(Document);
const deadLetters = codecFor<DeadLetter>(DeadLetter);
const rejections = codecFor<Rejection>(Rejection);

class RecordingBus implements Bus {
  readonly batches: OutgoingRecord[][] = [];
  async ensureTopics(): Promise<void> {}
  async publish(records: OutgoingRecord[]): Promise<void> {
    this.batches.push(records);
  }
  async consume(): Promise<never> {
    throw new Error('not used by ingest');
  }
  async consumeFrom(): Promise<never> {
    throw new Error('not used by ingest');
  }
  async ensureStateTopic(): Promise<void> {}
  async readState(): Promise<never> {
    throw new Error('not used by ingest');
  }
  async close(): Promise<void> {}
  take(): OutgoingRecord[] {
    return this.batches.splice(0).flat();
  }
}

const bus = new RecordingBus();
let app: INestApplication;
let base: string;
let root: string;
let outside: string;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cptflow-ingest-http-'));
  root = join(dir, 'root');
  outside = join(dir, 'outside');
  mkdirSync(join(root, 'shards'), { recursive: true });
  mkdirSync(outside);
  copyFileSync(join(FIXTURES, 'fineweb-edu-sample.zstd.parquet'), join(root, 'shards', 'fineweb-edu-sample.zstd.parquet'));
  writeFileSync(join(outside, 'secret.jsonl'), '{"text":"must never be read"}\n');
  symlinkSync(join(outside, 'secret.jsonl'), join(root, 'shards', 'escape.jsonl'));
  // The ingest endpoints next to /health, as the service mounts them, so a test can see the event loop stall.
  @Module({ controllers: [HealthController], providers: [Readiness] })
  class HealthModule {}
  const ingest = IngestModule.register({
      bus,
      config: {
        token: TOKEN,
        roots: [root],
        maxUploadBytes: MAX_UPLOAD,
        topics: { raw: 'cpt.docs.raw', deadLetter: 'cpt.dlq.ingest', rejected: 'cpt.docs.rejected' },
        reader: { now: () => 1234 },
        publisher: { batchRecords: 2 },
      },
    });
  app = await NestFactory.create({ module: HealthModule, imports: [ingest] }, { logger: false });
  await app.listen(0, '127.0.0.1');
  base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
});

after(async () => {
  await app?.close();
});

const auth = { Authorization: `Bearer ${TOKEN}` };

function upload(body: BodyInit, headers: Record<string, string> = {}, query = ''): Promise<Response> {
  return fetch(`${base}/ingest/upload${query}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-ndjson', ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
}

function ingestPath(path: string, headers: Record<string, string> = auth): Promise<Response> {
  return fetch(`${base}/ingest/path`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ path }),
  });
}

test('requests without the right bearer token get 401 with a Bearer challenge and publish nothing', async () => {
  for (const headers of [{}, { Authorization: 'Bearer wrong-token-wrong-token' }, { Authorization: `Basic ${TOKEN}` }] as Record<string, string>[]) {
    const response = await upload('{"text":"x"}\n', headers);
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer/);
  }
  assert.equal((await ingestPath(join(root, 'shards'), {})).status, 401);
  assert.equal(bus.take().length, 0);
});

test('a gzip upload (Content-Encoding: gzip) is streamed into documents on the raw topic, keyed by id', async () => {
  const lines = ['{"id":"u-1","text":"Uploaded one.","lang":"en"}', '{"text":"Uploaded two."}', '{"id":"u-3","text":"Uploaded three."}'];
  const response = await upload(gzipSync(lines.join('\n') + '\n'), { ...auth, 'Content-Encoding': 'gzip' }, '?name=batch.jsonl&corpus=replay');
  assert.equal(response.status, 200);
  const report = (await response.json()) as { documents: number; deadLetters: number; total: { read: number; ok: number } };
  assert.equal(report.documents, 3);
  assert.equal(report.deadLetters, 0);
  assert.deepEqual(report.total, { read: 3, ok: 3, malformed: {} });
  const records = bus.take();
  assert.deepEqual(records.map((r) => r.topic), ['cpt.docs.raw', 'cpt.docs.raw', 'cpt.docs.raw']);
  const docs = records.map((r) => documents.decode(r.value));
  assert.deepEqual(records.map((r) => r.key), docs.map((d) => d.id));
  assert.equal(docs[0]!.id, 'u-1');
  assert.match(docs[1]!.id!, /^sha256:[0-9a-f]{64}$/);
  assert.equal(docs[2]!.text, 'Uploaded three.');
  assert.equal(docs[0]!.source, 'upload:batch.jsonl');
  assert.equal(docs[0]!.corpus, 'replay');
  assert.deepEqual(docs[0]!.metadata, { lang: 'en' });
});

test('a zstd upload is recognised by its file name', async () => {
  const response = await upload(readFileSync(join(FIXTURES, 'sample.jsonl.zst')), auth, '?name=sample.jsonl.zst');
  assert.equal(response.status, 200);
  const report = (await response.json()) as { documents: number; deadLetters: number };
  assert.deepEqual([report.documents, report.deadLetters], [3, 4]);
  bus.take();
});

test('malformed lines in an upload become dead letters with the reason and the original bytes', async () => {
  const body = Buffer.concat([
    Buffer.from('{"text":"fine"}\n{"text":\n{"id":"n","body":"no text"}\n'),
    Buffer.from([0x7b, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d, 0x0a]), // {"text":"\xff"}
  ]);
  const response = await upload(body, auth, '?name=mixed.jsonl');
  assert.equal(response.status, 200);
  const report = (await response.json()) as { documents: number; deadLetters: number; total: { malformed: Record<string, number> } };
  assert.equal(report.documents, 1);
  assert.equal(report.deadLetters, 3);
  assert.deepEqual(report.total.malformed, { bad_json: 1, missing_text: 1, invalid_utf8: 1 });
  const letters = bus.take().filter((r) => r.topic === 'cpt.dlq.ingest').map((r) => deadLetters.decode(r.value));
  assert.deepEqual(letters.map((l) => l.error!.split(':')[0]), ['bad_json', 'missing_text', 'invalid_utf8']);
  assert.deepEqual(letters.map((l) => l.source), ['upload:mixed.jsonl:2', 'upload:mixed.jsonl:3', 'upload:mixed.jsonl:4']);
  assert.deepEqual(Buffer.from(letters[2]!.original!), Buffer.from([0x7b, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]));
  assert.ok(letters.every((l) => l.stage === 'ingest'));
});

test('an upload past the size limit gets 413, whether the length is declared or only seen while streaming', async () => {
  const line = '{"text":"' + 'a'.repeat(90) + '"}\n'; // 100 bytes
  const declared = await upload(line.repeat(50), auth);
  assert.equal(declared.status, 413);
  assert.equal(bus.take().length, 0, 'a declared oversize body is refused before anything is read');

  // A chunked body (no Content-Length): counted as it streams, refused at the first chunk past the limit.
  const chunks = Array.from({ length: 50 }, () => new TextEncoder().encode(line.repeat(5)));
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
  const streamed = await upload(stream as unknown as BodyInit, auth);
  assert.equal(streamed.status, 413);
  const body = (await streamed.json()) as { published: { documents: number } };
  // Whole lines within the first 4,096 bytes (40 lines) were read before the cut; none past it.
  assert.ok(body.published.documents > 0, 'the limit was crossed mid-stream, after some lines were read');
  assert.ok(body.published.documents <= MAX_UPLOAD / 100);
  assert.equal(bus.take().length, body.published.documents);
});

test('the path endpoint reads files inside the ingest roots and refuses anything outside with 403', async () => {
  const inside = await ingestPath(join(root, 'shards', 'fineweb-edu-sample.zstd.parquet'));
  assert.equal(inside.status, 200);
  const report = (await inside.json()) as { documents: number; deadLetters: number };
  assert.deepEqual([report.documents, report.deadLetters], [6, 3]);
  assert.equal(bus.take().length, 9);

  for (const path of [
    join(outside, 'secret.jsonl'),
    '../outside/secret.jsonl',
    join(root, 'shards', '..', '..', 'outside', 'secret.jsonl'),
    join(root, 'shards', 'escape.jsonl'),
    join(root, 'shards'), // a folder holding a symlink that leads out
    join(root, 'shards', '*.jsonl'),
    '/etc/passwd',
  ]) {
    const response = await ingestPath(path);
    assert.equal(response.status, 403, path);
  }
  assert.equal(bus.take().length, 0, 'nothing outside the roots was published');
  assert.equal((await ingestPath(join(root, 'missing.jsonl'))).status, 404);
});

test('with ?wait=false the path endpoint answers 202 with a job that can be polled until done', async () => {
  const started = await fetch(`${base}/ingest/path?wait=false`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...auth },
    body: JSON.stringify({ path: 'shards/fineweb-edu-sample.zstd.parquet' }),
  });
  assert.equal(started.status, 202);
  const job = (await started.json()) as { id: string };
  assert.equal(started.headers.get('location'), `/ingest/jobs/${job.id}`);
  let view: { state: string; report?: { documents: number; deadLetters: number } } = { state: 'running' };
  for (let i = 0; i < 100 && view.state === 'running'; i++) {
    const polled = await fetch(`${base}/ingest/jobs/${job.id}`, { headers: auth });
    assert.equal(polled.status, 200);
    view = (await polled.json()) as typeof view;
    if (view.state === 'running') await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(view.state, 'done');
  assert.deepEqual([view.report!.documents, view.report!.deadLetters], [6, 3]);
  assert.equal(bus.take().length, 9);
  assert.equal((await fetch(`${base}/ingest/jobs/${job.id}`)).status, 401);
  assert.equal((await fetch(`${base}/ingest/jobs/no-such-job`, { headers: auth })).status, 404);
  // Access is checked before a job starts: an outside path is still a 403 on the request itself.
  const outsideJob = await fetch(`${base}/ingest/path?wait=false`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...auth },
    body: JSON.stringify({ path: join(outside, 'secret.jsonl') }),
  });
  assert.equal(outsideJob.status, 403);
});

test('a JSON-typed upload, which the body parser would swallow, is refused with 415 rather than read as empty', async () => {
  const response = await upload('{"text":"x"}', { ...auth, 'Content-Type': 'application/json' });
  assert.equal(response.status, 415);
});

test('a form upload (curl -F, multipart/form-data; or urlencoded) is a 415 naming the type, not its envelope read as JSON Lines', async () => {
  const form = new FormData();
  form.append('file', new Blob(['{"text":"x"}\n']), 'a.jsonl');
  const multipart = await fetch(`${base}/ingest/upload`, { method: 'POST', headers: auth, body: form });
  assert.equal(multipart.status, 415);
  assert.match(((await multipart.json()) as { message: string }).message, /file itself as the body.*not multipart\/form-data/);
  const urlencoded = await upload('text=x', { ...auth, 'Content-Type': 'application/x-www-form-urlencoded' });
  assert.equal(urlencoded.status, 415);
  assert.match(((await urlencoded.json()) as { message: string }).message, /not application\/x-www-form-urlencoded/);
  assert.equal(bus.take().length, 0);
});

test('with the host body parser switched off, the path request is read by the controller and JSON uploads stream', async () => {
  const quiet = await NestFactory.create(
    IngestModule.register({
      bus,
      config: { token: TOKEN, roots: [root], maxUploadBytes: MAX_UPLOAD, topics: { raw: 'cpt.docs.raw', deadLetter: 'cpt.dlq.ingest' } },
    }),
    { logger: false, bodyParser: false },
  );
  await quiet.listen(0, '127.0.0.1');
  try {
    const url = await quiet.getUrl();
    const pathResponse = await fetch(`${url}/ingest/path`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...auth },
      body: JSON.stringify({ path: 'shards/fineweb-edu-sample.zstd.parquet' }),
    });
    assert.equal(pathResponse.status, 200);
    const uploadResponse = await fetch(`${url}/ingest/upload`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...auth },
      body: '{"text":"json-typed but streamed"}\n',
    });
    assert.equal(uploadResponse.status, 200);
    assert.equal(((await uploadResponse.json()) as { documents: number }).documents, 1);
    assert.equal(bus.take().length, 10);
  } finally {
    await quiet.close();
  }
});

test('a query parameter given twice (?name=a&name=b) is a 400, not a 500', async () => {
  for (const query of ['?name=a.jsonl&name=b.jsonl', '?corpus=a&corpus=b']) {
    const response = await upload('{"text":"x"}\n', auth, query);
    assert.equal(response.status, 400, query);
    assert.match(((await response.json()) as { message: string }).message, /must be given once/);
  }
  const twiceWait = await fetch(`${base}/ingest/path?wait=false&wait=true`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...auth },
    body: JSON.stringify({ path: 'shards' }),
  });
  assert.equal(twiceWait.status, 400);
  assert.equal(bus.take().length, 0);
});

test('an upload name longer than a file name (255 characters), which every document would carry as its source, is a 400', async () => {
  const response = await upload('{"text":"x"}\n', auth, `?name=${'n'.repeat(256)}.jsonl`);
  assert.equal(response.status, 400);
  assert.match(((await response.json()) as { message: string }).message, /upload name longer than 255 characters/);
  assert.equal(bus.take().length, 0);
  assert.equal((await upload('{"text":"x"}\n', auth, `?name=${'n'.repeat(249)}.jsonl`)).status, 200);
  assert.equal(bus.take().length, 1);
});

test('a corpus other than domain or replay is a 400 naming both, not documents silently trained as domain', async () => {
  for (const query of ['?corpus=Replay', '?corpus=general', '?corpus=replay%20']) {
    const response = await upload('{"text":"x"}\n', auth, query);
    assert.equal(response.status, 400, query);
    assert.match(((await response.json()) as { message: string }).message, /corpus must be domain or replay/);
  }
  const sample = join(root, 'shards', 'fineweb-edu-sample.zstd.parquet');
  const pathRequest = (body: unknown) =>
    fetch(`${base}/ingest/path`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...auth }, body: JSON.stringify(body) });
  for (const corpus of ['general', 5, ['replay']]) {
    assert.equal((await pathRequest({ path: sample, corpus })).status, 400, JSON.stringify(corpus));
  }
  assert.equal(bus.take().length, 0);
});

test('a path request with a field it does not know (a misspelt "minintscore") or a wait that is not true/false is a 400, read with none of it', async () => {
  const sample = join(root, 'shards', 'fineweb-edu-sample.zstd.parquet');
  const post = (query: string, body: unknown) =>
    fetch(`${base}/ingest/path${query}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...auth }, body: JSON.stringify(body) });
  const typo = await post('', { path: sample, minintscore: 3 });
  assert.equal(typo.status, 400);
  assert.match(((await typo.json()) as { message: string }).message, /unknown field\(s\) "minintscore"; allowed: path, corpus, minIntScore/);
  for (const body of [[sample], 'shards', null]) assert.equal((await post('', body)).status, 400, JSON.stringify(body));
  const wait = await post('?wait=no', { path: sample });
  assert.equal(wait.status, 400);
  assert.match(((await wait.json()) as { message: string }).message, /"wait" must be true or false/);
  assert.equal(bus.take().length, 0, 'nothing was read');
  assert.equal((await post('?wait=true', { path: sample })).status, 200);
  assert.equal(bus.take().length, 9);
});

test('a pathological glob neither blocks the event loop nor hangs: /health answers at once; too long a glob is a 400', async () => {
  mkdirSync(join(root, 'names'));
  writeFileSync(join(root, 'names', 'a'.repeat(120) + '.jsonl'), '{"text":"x"}\n');
  // 33 characters of "*a": the regex translation needed far longer than any test timeout for this.
  const pattern = 'names/' + '*a'.repeat(16) + 'b';
  const ingesting = ingestPath(pattern);
  const healthStart = Date.now();
  const health = await fetch(`${base}/health`);
  const healthMs = Date.now() - healthStart;
  assert.equal(health.status, 200);
  assert.ok(healthMs < 2000, `/health took ${healthMs} ms while the glob was matched`);
  assert.equal((await ingesting).status, 404, 'nothing matches');
  assert.equal((await ingestPath('names/' + '*'.repeat(2000))).status, 400);
  assert.equal(bus.take().length, 0);
});

test('a gzip bomb smaller than the upload limit is refused with 413 once it expands past the ratio limit', async () => {
  const bomb = gzipSync(Buffer.from('{"text":"boom"}\n'.repeat(100_000)), { level: 9 }); // 1.6 MB as ~3 KB
  assert.ok(bomb.length < MAX_UPLOAD);
  const response = await upload(bomb, { ...auth, 'Content-Encoding': 'gzip' }, '?name=bomb.jsonl');
  assert.equal(response.status, 413);
  const body = (await response.json()) as { message: string; published: { documents: number } };
  assert.match(body.message, /maxExpansionRatio/);
  // What was read before the limit (about the first MiB) was published, and the client is told how much.
  assert.ok(body.published.documents < 100_000);
  assert.equal(bus.take().length, body.published.documents);
});

test('?minIntScore=N keeps rows with int_score >= N; the others are rejections on docs.rejected, counted in the report', async () => {
  const lines = ['{"id":"e-4","text":"Four.","int_score":4}', '{"id":"e-3","text":"Three.","int_score":3}', '{"id":"e-2","text":"Two.","int_score":2}', '{"id":"e-x","text":"None."}', 'not json'];
  const response = await upload(lines.join('\n') + '\n', auth, '?minIntScore=3');
  assert.equal(response.status, 200);
  const report = (await response.json()) as { documents: number; rejected: number; deadLetters: number; total: { read: number; filtered: number } };
  assert.deepEqual([report.documents, report.rejected, report.deadLetters], [2, 2, 1]);
  assert.deepEqual([report.total.read, report.total.filtered], [5, 2]);
  const records = bus.take();
  assert.deepEqual(records.filter((r) => r.topic === 'cpt.docs.raw').map((r) => documents.decode(r.value).id).sort(), ['e-3', 'e-4']);
  const rejected = records.filter((r) => r.topic === 'cpt.docs.rejected').map((r) => rejections.decode(r.value));
  assert.deepEqual(rejected.map((r) => [r.document!.id, r.filter, r.rule, r.threshold]).sort(), [['e-2', 'ingest', 'int_score', 3], ['e-x', 'ingest', 'int_score', 3]]);
  assert.equal(records.filter((r) => r.topic === 'cpt.dlq.ingest').length, 1);
  // Without the parameter (and no minIntScore configured) every well-formed row is kept.
  const unfiltered = (await (await upload(lines.slice(0, 4).join('\n') + '\n', auth)).json()) as { documents: number; rejected: number };
  assert.deepEqual([unfiltered.documents, unfiltered.rejected], [4, 0]);
  bus.take();
});

test('minIntScore in a path request reads a FineWeb-Edu shard keeping int_score >= N; a non-number is a 400', async () => {
  const response = await fetch(`${base}/ingest/path`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...auth },
    body: JSON.stringify({ path: 'shards/fineweb-edu-sample.zstd.parquet', minIntScore: 4 }),
  });
  assert.equal(response.status, 200);
  const report = (await response.json()) as { documents: number; rejected: number; deadLetters: number; total: { read: number } };
  assert.ok(report.rejected > 0 && report.documents > 0, JSON.stringify(report));
  assert.equal(report.documents + report.rejected + report.deadLetters, report.total.read);
  const records = bus.take();
  assert.equal(records.filter((r) => r.topic === 'cpt.docs.rejected').length, report.rejected);
  for (const bad of ['three', '1e999', '[3]', '3&minIntScore=4']) {
    const refused = await upload('{"text":"x","int_score":5}\n', auth, `?minIntScore=${bad}`);
    assert.equal(refused.status, 400, bad);
    assert.match(((await refused.json()) as { message: string }).message, /minIntScore/);
  }
  const badBody = await fetch(`${base}/ingest/path`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...auth }, body: JSON.stringify({ path: 'shards', minIntScore: 'high' }) });
  assert.equal(badBody.status, 400);
  assert.equal(bus.take().length, 0);
});

test('stages.ingest.minIntScore filters every request by default, a request may override it; it must be a number', async () => {
  const config = ingestHttpConfig(loadConfig({ env: {}, overrides: { stages: { ingest: { token: TOKEN, minIntScore: 3 } } } }), {});
  assert.equal(config.reader?.minIntScore, 3);
  assert.equal(config.topics.rejected, 'cpt.docs.rejected');
  assert.throws(() => ingestHttpConfig(loadConfig({ env: {}, overrides: { stages: { ingest: { token: TOKEN, minIntScore: 'three' } } } }), {}), /stages\.ingest[\s\S]*minIntScore/);
  const filtering = await NestFactory.create(IngestModule.register({ bus, config }), { logger: false });
  await filtering.listen(0, '127.0.0.1');
  try {
    const url = (await filtering.getUrl()).replace('[::1]', '127.0.0.1');
    const body = '{"text":"Good.","int_score":3}\n{"text":"Weak.","int_score":1}\n';
    const post = (query: string) => fetch(`${url}/ingest/upload${query}`, { method: 'POST', headers: { 'Content-Type': 'application/x-ndjson', ...auth }, body });
    const byDefault = (await (await post('')).json()) as { documents: number; rejected: number };
    assert.deepEqual([byDefault.documents, byDefault.rejected], [1, 1]);
    const overridden = (await (await post('?minIntScore=0')).json()) as { documents: number; rejected: number };
    assert.deepEqual([overridden.documents, overridden.rejected], [2, 0]);
  } finally {
    await filtering.close();
    bus.take();
  }
});

// Fuzz: the HTTP upload handler (libs/data/src/ingest's IngestHttpHandler, what POST /ingest/upload runs) and the
// NestJS endpoint itself on arbitrary requests. Every request ends in a report or a 4xx; every line
// read is published as a document, a rejection (the request's minIntScore) or a dead letter; nothing else
// is published.
import 'reflect-metadata';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IngestHttpError, IngestHttpHandler } from '@cptflow/data';
import type { OutgoingRecord } from '@cptflow/platform';
import { IngestModule } from '../../services/ingest/src/ingest.module';
import { fuzzRuns } from './fuzz-settings';

const TOKEN = 'fuzz-token-0123456789abcdef';
const TOPICS = { raw: 'cpt.docs.raw', deadLetter: 'cpt.dlq.ingest', rejected: 'cpt.docs.rejected' };
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-fuzz-upload-'));
process.once('exit', () => fs.rmSync(root, { recursive: true, force: true }));

class RecordingBus {
  readonly records: OutgoingRecord[] = [];
  async publish(records: OutgoingRecord[]): Promise<void> {
    this.records.push(...records);
  }
}

const line = fc.oneof(
  fc.record({ text: fc.string({ minLength: 1 }), id: fc.option(fc.string()), int_score: fc.option(fc.oneof(fc.integer({ min: -1, max: 6 }), fc.jsonValue())) }).map((r) => JSON.stringify(r)),
  fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
  fc.string(),
);
const body = fc.oneof(
  fc.array(line, { maxLength: 20 }).map((lines) => Buffer.from(lines.map((l) => l.replace(/\n/g, ' ')).join('\n') + '\n')),
  fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)),
);

test('IngestHttpHandler.upload: a report that balances with what was published, or a 4xx', async () => {
  const bus = new RecordingBus();
  const handler = await IngestHttpHandler.create(bus, { token: TOKEN, roots: [root], maxUploadBytes: 2048, maxUploadDecompressedBytes: 8192, topics: TOPICS });
  await fc.assert(
    fc.asyncProperty(
      body,
      fc.boolean(),
      fc.record({
        contentLength: fc.option(fc.oneof(fc.string(), fc.nat().map(String)), { nil: undefined }),
        contentEncoding: fc.option(fc.oneof(fc.constantFrom('gzip', 'zstd', 'identity', 'br', ''), fc.string()), { nil: undefined }),
        name: fc.option(fc.oneof(fc.constantFrom('a.jsonl', 'a.jsonl.gz', 'a.jsonl.zst'), fc.string()), { nil: undefined }),
        // Mostly the two corpora, so most bodies get read; any other name is a 400.
        corpus: fc.option(fc.oneof(fc.constantFrom('domain', 'replay'), fc.constantFrom('domain', 'replay'), fc.string()), { nil: undefined }),
        minIntScore: fc.option(fc.oneof(fc.integer({ min: 0, max: 5 }).map(String), fc.string(), fc.jsonValue()), { nil: undefined }),
      }),
      async (bytes, gzip, request) => {
        const payload = gzip ? gzipSync(bytes) : bytes;
        const before = bus.records.length;
        async function* chunks() {
          for (let i = 0; i < payload.length; i += 256) yield payload.subarray(i, i + 256);
        }
        try {
          const report = await handler.upload({ ...request, contentEncoding: gzip ? 'gzip' : request.contentEncoding, body: chunks() });
          assert.equal(bus.records.length - before, report.documents + report.rejected + report.deadLetters);
          assert.equal(report.total.read, report.documents + report.rejected + report.deadLetters);
        } catch (error) {
          assert.ok(error instanceof IngestHttpError, `not an IngestHttpError: ${(error as Error)?.stack ?? String(error)}`);
          assert.ok(error.status >= 400 && error.status < 500, `status ${error.status}`);
          const published = (error.details.published as { documents: number; rejected: number; deadLetters: number } | undefined) ?? { documents: 0, rejected: 0, deadLetters: 0 };
          assert.equal(bus.records.length - before, published.documents + published.rejected + published.deadLetters);
        }
        for (const record of bus.records.slice(before)) assert.ok(Object.values(TOPICS).includes(record.topic));
      },
    ),
    fuzzRuns(2000),
  );
});

let app: INestApplication;
let base: string;

before(async () => {
  app = await NestFactory.create(IngestModule.register({ bus: new RecordingBus() as never, config: { token: TOKEN, roots: [root], maxUploadBytes: 2048, topics: TOPICS } }), { logger: false });
  await app.listen(0, '127.0.0.1');
  base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
});

after(async () => {
  await app?.close();
});

test('POST /ingest/upload and /ingest/path over HTTP with arbitrary queries, headers and bodies: never a 5xx', async () => {
  const queryPart = fc.tuple(fc.constantFrom('name', 'corpus', 'wait', 'name[]', 'x'), fc.string({ maxLength: 20 }));
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('upload', 'path'),
      fc.array(queryPart, { maxLength: 4 }),
      fc.constantFrom('application/x-ndjson', 'application/json', 'application/octet-stream', 'text/plain'),
      fc.option(fc.constantFrom('gzip', 'zstd', 'br', 'identity'), { nil: undefined }),
      fc.oneof(body, fc.jsonValue().map((v) => Buffer.from(JSON.stringify({ path: v }) ?? ''))),
      async (endpoint, query, contentType, encoding, bytes) => {
        const search = new URLSearchParams(query).toString();
        const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}`, 'content-type': contentType };
        if (encoding) headers['content-encoding'] = encoding;
        const response = await fetch(`${base}/ingest/${endpoint}?${search}`, { method: 'POST', headers, body: bytes });
        await response.arrayBuffer();
        assert.ok(response.status < 500, `${endpoint}?${search} (${contentType}, ${encoding}): ${response.status}`);
      },
    ),
    fuzzRuns(500),
  );
});

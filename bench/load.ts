// Load: the ingest HTTP endpoint under concurrent uploads, and the results API under concurrent reads,
// each for a bounded time on loopback. Checks that nothing is lost (every document of every upload is
// published, every read returns the whole right answer) and that the server's memory stays bounded
// (resident memory sampled every 250 ms; after the first third, warm-up, it may not keep growing).
//
//   npm run build && node dist/bench/load.js [--seconds 60] [--clients 16] [--docs 1000] [--kafka host:port]
//        [--runs 20] [--checkpoints 50]   (the size of the seeded results database)
//
// Each server runs in its own child process (this file with --serve-ingest / --serve-results), so its
// memory is measured apart from the load generator. The ingest server is the real IngestModule; its bus
// counts what publish() accepted and drops it (with --kafka or KAFKA_BROKERS, it is a real KafkaBus
// whose publish resolves once the broker has the records). The results API is the evaluator's, on a
// SQLite database seeded with 20 runs x 50 checkpoints x 8 results (--runs, --checkpoints). Writes bench/results/load.json.
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { NestFactory } from '@nestjs/core';
import { type Bus, type OutgoingRecord, KafkaBus } from '@cptflow/platform';
import { IngestModule } from '../services/ingest/src/ingest.module';
import { openResultsStore } from '@cptflow/results';
import { createResultsApiApp } from '@cptflow/nest-host';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}

const ROOT = path.resolve(__dirname, '..', '..');
const TOKEN = 'load-bench-token-0123456789';
const RUNS = Number(option('runs', '20'));
const CHECKPOINTS = Number(option('checkpoints', '50'));
const TASKS = ['arc_easy', 'arc_challenge', 'hellaswag', 'piqa', 'boolq', 'winogrande', 'heldout_domain', 'heldout_general'];


// ---------- the servers (child processes) ----------

/** Counts what the ingest handler published, per topic, and lets it go (or forwards it to Kafka). */
class CountingBus {
  readonly counts = new Map<string, number>();
  constructor(private readonly inner?: Bus) {}
  async publish(records: OutgoingRecord[]): Promise<void> {
    await this.inner?.publish(records);
    for (const r of records) this.counts.set(r.topic, (this.counts.get(r.topic) ?? 0) + 1);
  }
}

interface Stats {
  rssBytes: number;
  heapUsedBytes: number;
  published?: Record<string, number>;
}

function reportStats(extra: () => Partial<Stats>): void {
  process.on('message', (message) => {
    if (message !== 'stats') return;
    const memory = process.memoryUsage();
    process.send!({ rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, ...extra() });
  });
}

async function serveIngest(): Promise<void> {
  const brokers = option('kafka', process.env.KAFKA_BROKERS ?? '');
  const inner = brokers ? new KafkaBus({ brokers: brokers.split(','), clientId: `load-${process.pid}` }) : undefined;
  const bus = new CountingBus(inner);
  const run = `load${Date.now()}`;
  const app = await NestFactory.create(
    IngestModule.register({
      bus: bus as unknown as Bus,
      config: { token: TOKEN, roots: [os.tmpdir()], maxUploadBytes: 64 * 1024 * 1024, topics: { raw: `${run}.docs.raw`, deadLetter: `${run}.dlq.ingest` } },
    }),
    { logger: ['error', 'warn'] },
  );
  await app.listen(0, '127.0.0.1');
  reportStats(() => ({ published: Object.fromEntries(bus.counts) }));
  process.send!({ url: (await app.getUrl()).replace('[::1]', '127.0.0.1') });
}

async function serveResults(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-load-results-'));
  const store = await openResultsStore({ sqlitePath: path.join(dir, 'results.sqlite') });
  for (let r = 0; r < RUNS; r++) {
    for (let c = 0; c < CHECKPOINTS; c++) {
      const checkpoint = await store.results.recordCheckpoint({ run: `run-${r}`, step: c * 100, tokensSeen: c * 409_600, path: `/ckpt/${r}/${c}`, isBase: c === 0 });
      await store.results.recordResults(
        checkpoint.id,
        TASKS.map((task, t) => ({ task, metric: 'acc', value: (r + c + t) / 1000, stderr: 0.01, n: 100, settings: { numFewshot: 0, limit: null, harnessVersion: '0.4.13' } })),
      );
    }
  }
  const app = await createResultsApiApp({ results: store.results, trigger: { evaluation: async () => null, requestEvaluation: async () => ({ id: 'x' }) }, apiTokens: [TOKEN], logger: false });
  await app.listen(0, '127.0.0.1');
  reportStats(() => ({}));
  process.send!({ url: (await app.getUrl()).replace('[::1]', '127.0.0.1') });
}

// ---------- the load generator (parent) ----------

interface Server {
  child: ChildProcess;
  url: string;
  stats(): Promise<Stats>;
  stop(): Promise<void>;
}

async function startServer(mode: string): Promise<Server> {
  const child = fork(__filename, [`--${mode}`, ...process.argv.slice(2)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`${mode} exited with ${code}`)));
  });
  const stats = () =>
    new Promise<Stats>((resolve) => {
      child.once('message', (m) => resolve(m as Stats));
      child.send('stats');
    });
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  };
  return { child, url, stats, stop };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
}

/** Samples the server's memory every 250 ms while `work` runs. */
async function withMemorySamples<T>(server: Server, work: () => Promise<T>): Promise<{ result: T; rss: number[]; heap: number[] }> {
  const rss: number[] = [];
  const heap: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const s = await server.stats();
      rss.push(s.rssBytes);
      heap.push(s.heapUsedBytes);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const result = await work();
  sampling = false;
  await sampler;
  return { result, rss, heap };
}

function memorySummary(rss: number[], heap: number[]) {
  const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
  // The first third is warm-up (JIT, pools, V8 growing its heap); after it, memory must level off.
  const third = Math.floor(rss.length / 3);
  const peakMiddle = Math.max(...rss.slice(third, 2 * third));
  const peakLast = Math.max(...rss.slice(2 * third));
  return {
    samples: rss.length,
    rssStartMiB: mib(rss[0]!),
    rssPeakMiB: mib(Math.max(...rss)),
    rssEndMiB: mib(rss[rss.length - 1]!),
    heapPeakMiB: mib(Math.max(...heap)),
    // Bounded: the last third's peak within 10% of the middle third's (no steady growth per request).
    lastThirdPeakOverMiddleThird: Math.round((peakLast / peakMiddle) * 1000) / 1000,
    bounded: peakLast <= peakMiddle * 1.1,
  };
}

async function ingestLoad(seconds: number, clients: number, docsPerUpload: number) {
  const server = await startServer('serve-ingest');
  try {
    const latencies: number[] = [];
    let uploads = 0;
    let documents = 0;
    let bytes = 0;
    const failures: string[] = [];
    const deadline = Date.now() + seconds * 1000;
    const client = async (id: number) => {
      for (let n = 0; Date.now() < deadline; n++) {
        const lines = Array.from({ length: docsPerUpload }, (_, i) => JSON.stringify({ id: `c${id}-u${n}-d${i}`, text: `Upload ${n} of client ${id}, document ${i}: ${'text '.repeat(20 + (i % 40))}` }));
        const plain = Buffer.from(lines.join('\n') + '\n');
        const gzip = n % 2 === 1;
        const body = gzip ? gzipSync(plain) : plain;
        const started = performance.now();
        const response = await fetch(`${server.url}/ingest/upload?name=c${id}-${n}.jsonl`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-ndjson', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
          body,
        });
        const report = (await response.json()) as { documents?: number; deadLetters?: number };
        latencies.push(performance.now() - started);
        if (response.status !== 200 || report.documents !== docsPerUpload || report.deadLetters !== 0) {
          failures.push(`client ${id} upload ${n}: ${response.status} ${JSON.stringify(report).slice(0, 200)}`);
        }
        uploads++;
        documents += report.documents ?? 0;
        bytes += body.length;
      }
    };
    const started = performance.now();
    const { rss, heap } = await withMemorySamples(server, () => Promise.all(Array.from({ length: clients }, (_, i) => client(i))));
    const elapsed = (performance.now() - started) / 1000;
    const published = (await server.stats()).published ?? {};
    const publishedDocs = Object.entries(published).filter(([t]) => t.endsWith('.docs.raw')).reduce((a, [, n]) => a + n, 0);
    latencies.sort((a, b) => a - b);
    return {
      seconds: Math.round(elapsed * 10) / 10,
      clients,
      docsPerUpload,
      bus: option('kafka', process.env.KAFKA_BROKERS ?? '') ? 'kafka' : 'counting (publish accepted, records dropped)',
      uploads,
      documentsSent: uploads * docsPerUpload,
      documentsReported: documents,
      documentsPublished: publishedDocs,
      nothingLost: publishedDocs === uploads * docsPerUpload && documents === uploads * docsPerUpload && failures.length === 0,
      failures: failures.slice(0, 5),
      uploadsPerSecond: Math.round((uploads / elapsed) * 10) / 10,
      documentsPerSecond: Math.round(documents / elapsed),
      wireMiBPerSecond: Math.round((bytes / 2 ** 20 / elapsed) * 100) / 100,
      latencyMs: { p50: Math.round(percentile(latencies, 50)), p95: Math.round(percentile(latencies, 95)), p99: Math.round(percentile(latencies, 99)), max: Math.round(latencies.at(-1) ?? 0) },
      serverMemory: memorySummary(rss, heap),
    };
  } finally {
    await server.stop();
  }
}

async function resultsLoad(seconds: number, clients: number) {
  const server = await startServer('serve-results');
  try {
    const latencies: number[] = [];
    let requests = 0;
    const failures: string[] = [];
    const deadline = Date.now() + seconds * 1000;
    const routes = [
      async (r: number) => {
        const body = (await get(`/runs/run-${r}/checkpoints?pageSize=100`)) as { total: number; items: unknown[] };
        return body.total === CHECKPOINTS && body.items.length === CHECKPOINTS;
      },
      async (r: number) => {
        const body = (await get(`/runs/run-${r}/trend?task=hellaswag`)) as { points: unknown[] };
        return body.points.length === CHECKPOINTS;
      },
      async () => {
        const body = (await get(`/runs?pageSize=100`)) as { total: number };
        return body.total === RUNS;
      },
    ];
    let status = 200;
    const get = async (route: string) => {
      const response = await fetch(`${server.url}${route}`);
      status = response.status;
      return response.json();
    };
    const client = async (id: number) => {
      for (let n = 0; Date.now() < deadline; n++) {
        const started = performance.now();
        const ok = await routes[n % routes.length]!((id + n) % RUNS).catch(() => false);
        latencies.push(performance.now() - started);
        requests++;
        if (!ok) failures.push(`client ${id} request ${n}: status ${status} or an incomplete answer`);
      }
    };
    const started = performance.now();
    const { rss, heap } = await withMemorySamples(server, () => Promise.all(Array.from({ length: clients }, (_, i) => client(i))));
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      seconds: Math.round(elapsed * 10) / 10,
      clients,
      database: `SQLite, ${RUNS} runs x ${CHECKPOINTS} checkpoints x ${TASKS.length} results`,
      requests,
      completeAnswers: requests - failures.length,
      nothingLost: failures.length === 0,
      failures: failures.slice(0, 5),
      requestsPerSecond: Math.round(requests / elapsed),
      latencyMs: { p50: Math.round(percentile(latencies, 50)), p95: Math.round(percentile(latencies, 95)), p99: Math.round(percentile(latencies, 99)), max: Math.round(latencies.at(-1) ?? 0) },
      serverMemory: memorySummary(rss, heap),
    };
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--serve-ingest')) return serveIngest();
  if (process.argv.includes('--serve-results')) return serveResults();
  const seconds = Number(option('seconds', '60'));
  const clients = Number(option('clients', '16'));
  const docs = Number(option('docs', '1000'));
  const ingest = await ingestLoad(seconds, clients, docs);
  console.log('ingest', JSON.stringify(ingest, null, 2));
  const results = await resultsLoad(seconds, clients);
  console.log('results API', JSON.stringify(results, null, 2));
  const out = option('out', path.join(ROOT, 'bench', 'results', 'load.json'));
  const record = {
    bench: 'load',
    command: `node dist/bench/load.js --seconds ${seconds} --clients ${clients} --docs ${docs}`,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    date: new Date().toISOString(),
    ingest,
    resultsApi: results,
  };
  fs.writeFileSync(out, JSON.stringify(record, null, 2) + '\n');
  console.log(`wrote ${out}`);
  if (!ingest.nothingLost || !results.nothingLost || !ingest.serverMemory.bounded || !results.serverMemory.bounded) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

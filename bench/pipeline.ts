// Documents per second (and per CPU-second) of cptflow's quality filter + dedup + tokenize/pack against
// datatrove's equivalent pipeline (bench/peers/datatrove_pipeline.py), on the same bundled corpora, in
// one run. Each variant runs in its own child process, one after another, so none warms another's JIT
// or caches and each one's CPU time is its own.
//
//   npm run build && node dist/bench/pipeline.js [--repeat N] [--variants local-run,stages,stages-sqlite]
//                                                [--python PATH] [--out bench/results/pipeline.json]
//
// Variants of ours:
//   local-run      what `cptflow run` does: LocalPipeline on the in-process bus (MemoryBus), ingest
//                  reading the .jsonl.gz files, the three stages as consumer groups, the accounting
//                  consumer; memory signature store. This is the figure reported as "ours".
//   stages         the same three stage handlers (createQualityStage, createDedupStage,
//                  createPackerStage) driven directly on batches of 500 encoded Document records, one
//                  stage after another, so each stage's time is its own ("stage_seconds").
//   stages-sqlite  as `stages`, with the SQLite signature store in a temp file.
//
// CPU time is process.cpuUsage() / resource.getrusage of the whole process: every thread counts (the
// Rust tokenizer's pool, libuv's), so "per CPU-second" is the per-core figure whatever the threading.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readJsonLines } from '@cptflow/pycompat';
import {
  loadConfig,
  type CptflowConfig,
  codecFor,
  Duplicate,
  DuplicateKind,
  createBus,
  MemoryBus,
  type ConsumedBatch,
  type ConsumedRecord,
  type OutgoingRecord,
} from '@cptflow/platform';
import {
  MemorySignatureStore,
  SqliteSignatureStore,
  type SignatureStore,
  defaultTokenizerPath,
  DocumentTokenizer,
  DEFAULT_SEQ_LEN,
  createDedupStage,
  createPackerStage,
  createQualityStage,
  documentCodec,
  type Stage,
} from '@cptflow/data';
import { LocalPipeline } from '@cptflow/local-run';
import { pythonFor } from '../test/support/python';

const ROOT = path.resolve(__dirname, '../..');
/** The corpora `cptflow run` ingests by default, with the corpus label it gives each. */
const CORPORA = [
  { file: path.join(ROOT, 'data/corpora/domain.jsonl.gz'), corpus: 'domain' },
  { file: path.join(ROOT, 'data/corpora/general.jsonl.gz'), corpus: 'replay' },
];
const BATCH_RECORDS = 500; // the bus's default maxBatchRecords
const duplicateCodec = codecFor<Duplicate>(Duplicate);

interface StageTime {
  wall_s: number;
  cpu_s: number;
}

interface VariantResult {
  variant: string;
  documents: number;
  kept_after_filter: number;
  rejected: number;
  rejected_by_rule: Record<string, number>;
  exact_duplicates: number;
  near_duplicates: number;
  unique: number;
  tokens: number;
  sequences: number;
  stages: Record<string, StageTime>;
  /** Document work only (read .. pack), not setup. */
  wall_s: number;
  cpu_s: number;
  peak_rss_mb: number;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

class Clock {
  readonly stages: Record<string, StageTime> = {};
  async timed<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    const wall0 = performance.now();
    const cpu0 = cpuSeconds();
    const result = await fn();
    const entry = (this.stages[name] ??= { wall_s: 0, cpu_s: 0 });
    entry.wall_s += (performance.now() - wall0) / 1000;
    entry.cpu_s += cpuSeconds() - cpu0;
    return result;
  }
  total(names: string[]): StageTime {
    return names.reduce((t, n) => ({ wall_s: t.wall_s + (this.stages[n]?.wall_s ?? 0), cpu_s: t.cpu_s + (this.stages[n]?.cpu_s ?? 0) }), { wall_s: 0, cpu_s: 0 });
  }
}

interface RawDoc {
  id: string;
  text: string;
  corpus: string;
}

/** The corpora, `repeat` times over; copies after the first get distinct ids (`#copyK`), same text. */
function readCorpora(repeat: number): RawDoc[] {
  const docs: RawDoc[] = [];
  for (let copy = 0; copy < repeat; copy++) {
    for (const { file, corpus } of CORPORA) {
      for (const { value } of readJsonLines(file)) {
        const row = value as { id: string; text: string };
        docs.push({ id: copy === 0 ? row.id : `${row.id}#copy${copy}`, text: row.text, corpus });
      }
    }
  }
  return docs;
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function benchConfig(): CptflowConfig {
  return loadConfig({ env: {}, overrides: { bus: { kind: 'memory' } } });
}

// ---------------------------------------------------------------- variant: stage handlers directly

function batchesOf(topic: string, records: OutgoingRecord[]): ConsumedBatch[] {
  const batches: ConsumedBatch[] = [];
  for (let i = 0; i < records.length; i += BATCH_RECORDS) {
    const slice = records.slice(i, i + BATCH_RECORDS);
    batches.push({
      topic,
      partition: 0,
      records: slice.map((r, j): ConsumedRecord => ({ topic, partition: 0, offset: String(i + j), key: r.key, value: r.value, headers: r.headers ?? {} })),
    });
  }
  return batches;
}

/** Every batch through one stage; returns its outputs grouped by topic. */
async function runStage(stage: Stage, batches: ConsumedBatch[]): Promise<Map<string, OutgoingRecord[]>> {
  const byTopic = new Map<string, OutgoingRecord[]>();
  for (const batch of batches) {
    for (const out of await stage.handle(batch)) {
      const list = byTopic.get(out.topic);
      if (list) list.push(out);
      else byTopic.set(out.topic, [out]);
    }
  }
  return byTopic;
}

async function runStagesVariant(storeKind: 'memory' | 'sqlite', repeat: number): Promise<VariantResult> {
  const config = benchConfig();
  const { topics } = config;
  const clock = new Clock();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-bench-'));
  const { quality, dedup, packer } = await clock.timed('setup', () => {
    const store: SignatureStore = storeKind === 'sqlite' ? new SqliteSignatureStore(path.join(scratch, 'dedup.sqlite')) : new MemorySignatureStore();
    return {
      quality: createQualityStage({ topics }),
      dedup: createDedupStage({ topics, store }),
      // The packer reads its carried state from the bus only when a batch does not continue the last one.
      packer: createPackerStage({ topics, tokenizer: DocumentTokenizer.load(), seqLen: DEFAULT_SEQ_LEN, strategy: 'concat', bus: new MemoryBus() }),
    };
  });
  // What ingest puts on docs.raw: one encoded Document per line.
  const raw = await clock.timed('read', () =>
    readCorpora(repeat).map((d): OutgoingRecord => ({ topic: topics.docsRaw, key: d.id, value: documentCodec.encode({ id: d.id, text: d.text, corpus: d.corpus }) })),
  );
  const filtered = await clock.timed('filter', () => runStage(quality, batchesOf(topics.docsRaw, raw)));
  const kept = filtered.get(topics.docsFiltered) ?? [];
  const deduped = await clock.timed('dedup', () => runStage(dedup, batchesOf(topics.docsFiltered, kept)));
  const unique = deduped.get(topics.docsUnique) ?? [];
  await clock.timed('pack', () => runStage(packer, batchesOf(topics.docsUnique, unique)));
  await dedup.close?.();
  fs.rmSync(scratch, { recursive: true, force: true });

  let exact = 0;
  let near = 0;
  for (const r of deduped.get(topics.docsDuplicate) ?? []) {
    if (duplicateCodec.decode(r.value).kind === DuplicateKind.EXACT) exact++;
    else near++;
  }
  const work = clock.total(['read', 'filter', 'dedup', 'pack']);
  const stats = quality.pipeline.stats();
  return {
    variant: storeKind === 'sqlite' ? 'stages-sqlite' : 'stages',
    documents: raw.length,
    kept_after_filter: kept.length,
    rejected: stats.rejected,
    rejected_by_rule: stats.byRule,
    exact_duplicates: exact,
    near_duplicates: near,
    unique: unique.length,
    tokens: packer.counters.tokens,
    sequences: packer.counters.sequences,
    stages: clock.stages,
    ...work,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
}

// ---------------------------------------------------------------- variant: LocalPipeline on MemoryBus

async function runLocalVariant(repeat: number): Promise<VariantResult> {
  const clock = new Clock();
  let sources = CORPORA;
  let scratch: string | undefined;
  if (repeat > 1) {
    // Ingest reads files: write the repeated corpora once, before the clock starts.
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-bench-'));
    const docs = readCorpora(repeat);
    sources = CORPORA.map(({ corpus }) => {
      const file = path.join(scratch!, `${corpus}.jsonl`);
      fs.writeFileSync(file, docs.filter((d) => d.corpus === corpus).map((d) => JSON.stringify({ id: d.id, text: d.text }) + '\n').join(''));
      return { file, corpus };
    });
  }
  const config = benchConfig();
  const bus = createBus(config.bus);
  const pipeline = await clock.timed('setup', () => LocalPipeline.start({ config, bus }));
  const counts = await clock.timed('run', async () => {
    for (const { file, corpus } of sources) await pipeline.ingest({ path: file, corpus });
    return pipeline.settle();
  });
  await pipeline.stop();
  await bus.close();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  const documents = counts.ingested;
  return {
    variant: 'local-run',
    documents,
    kept_after_filter: documents - counts.rejected,
    rejected: counts.rejected,
    rejected_by_rule: counts.rejectedByRule,
    exact_duplicates: counts.exactDuplicates,
    near_duplicates: counts.nearDuplicates,
    unique: counts.unique,
    tokens: counts.tokens,
    sequences: counts.sequences,
    stages: clock.stages,
    ...clock.total(['run']),
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
}

// ---------------------------------------------------------------- the comparison

interface PeerResult {
  peer_name: string;
  versions: Record<string, string>;
  documents: number;
  kept_after_filter: number;
  rejected: number;
  rejected_by_rule: Record<string, number>;
  duplicates_removed: number;
  unique: number;
  tokens: number;
  stages: Record<string, StageTime>;
  wall_s: number;
  cpu_s: number;
  peak_rss_mb: number;
}

function runChild<T>(command: string, args: string[]): T {
  const started = performance.now();
  const child = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (child.status !== 0 || !line) {
    throw new Error(`${command} ${args.join(' ')} failed (status ${child.status}):\n${child.stderr.slice(-4000)}`);
  }
  process.stderr.write(`  ${path.basename(args[0] ?? command)} ${args.slice(1).join(' ')}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return JSON.parse(line.slice('RESULT '.length)) as T;
}

/** How the two sides' work compares; written into the result so the numbers carry their caveats. */
const NOTES = [
  'docs/s: documents / wall seconds of the document work (read .. pack), setup excluded on both sides (module imports, spaCy and tokenizer loading); per core: documents / CPU seconds of the whole process (all threads), since the machine is shared and wall time includes waiting for a core.',
  'filter: the same four filters, order and thresholds on both sides (FineWeb: datatrove defaults, C4QualityFilter(filter_no_terminal_punct=False)); compare work.*.rejected_by_rule.',
  'dedup: the same MinHash (word 5-grams of simplify_text, 14 bands x 8, sha1 64-bit, seed 1). Ours is streaming (first claim wins, memory or SQLite store) and also computes an exact-duplicate SHA-256 key per document (extra work); datatrove is batch: signature files sorted per bucket, 14 bucket tasks, union-find cluster, a filter pass, with its files in a temp folder on local disk.',
  'tokenize/pack: the same tokenizer.json and the same ids per document (<s> ... </s>; the peer sets its post-processor to match), so token totals are equal when the same documents survive. Ours packs into 2048-token PackedSequence protobuf messages with document boundaries; datatrove writes a flat uint16 .ds token file plus its .index of document ends (its fixed-length windows are cut at training time), with shuffle_documents=False (its default, True, would add a copy pass).',
  'read: ours (local-run) is the product ingest (gunzip, JSON, protobuf Document on the in-process bus, plus the accounting consumer); the peer reads with gzip + json.loads into datatrove Documents and keeps them in memory between the filter and the two MinHash passes (FineWeb writes them to disk and reads them back).',
];

const rate = (docs: number, seconds: number) => +(docs / seconds).toFixed(1);
const round = (x: number, digits = 3) => +x.toFixed(digits);

function stageSeconds(stages: Record<string, StageTime>): Record<string, StageTime> {
  return Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, { wall_s: round(v.wall_s), cpu_s: round(v.cpu_s) }]));
}

async function main(): Promise<void> {
  const repeat = Number(argValue('--repeat') ?? 1);
  const variant = argValue('--variant');
  if (variant) {
    const result = variant === 'local-run' ? await runLocalVariant(repeat) : await runStagesVariant(variant === 'stages-sqlite' ? 'sqlite' : 'memory', repeat);
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
    return;
  }

  const variants = (argValue('--variants') ?? 'local-run,stages,stages-sqlite').split(',');
  const python = argValue('--python') ?? pythonFor('the datatrove peer');
  const out = path.resolve(argValue('--out') ?? path.join(ROOT, 'bench/results/pipeline.json'));
  const tokenizerPath = defaultTokenizerPath();
  if (!fs.existsSync(python)) throw new Error(`no Python for the datatrove peer at ${python}; pass --python or set CPTFLOW_PYTHON`);

  process.stderr.write(`pipeline bench: ${variants.join(', ')} and datatrove, repeat ${repeat}\n`);
  const ours: VariantResult[] = variants.map((v) => runChild<VariantResult>(process.execPath, [__filename, '--variant', v, '--repeat', String(repeat)]));
  const peer = runChild<PeerResult>(python, [
    path.join(ROOT, 'bench/peers/datatrove_pipeline.py'),
    '--tokenizer', tokenizerPath,
    '--repeat', String(repeat),
    ...CORPORA.map((c) => c.file),
  ]);

  const reported = ours.find((r) => r.variant === 'local-run') ?? ours[0]!;
  const byStage = ours.find((r) => r.variant === 'stages') ?? reported;
  const oursDocsPerS = reported.documents / reported.wall_s;
  const peerDocsPerS = peer.documents / peer.wall_s;
  const oursPerCpu = reported.documents / reported.cpu_s;
  const peerPerCpu = peer.documents / peer.cpu_s;
  const cmdline = ['node dist/bench/pipeline.js', ...process.argv.slice(2)].join(' ');
  const result = {
    ours: rate(reported.documents, reported.wall_s),
    peer: rate(peer.documents, peer.wall_s),
    peer_name: 'datatrove',
    ratio: round(oursDocsPerS / peerDocsPerS, 2),
    docs: reported.documents,
    ours_variant: reported.variant,
    cores_ours: round(reported.cpu_s / reported.wall_s, 2),
    cores_peer: round(peer.cpu_s / peer.wall_s, 2),
    ours_docs_per_cpu_s: +oursPerCpu.toFixed(1),
    peer_docs_per_cpu_s: +peerPerCpu.toFixed(1),
    per_core_ratio: round(oursPerCpu / peerPerCpu, 2),
    target_per_core_ratio: 2,
    stage_seconds: {
      ours: { variant: byStage.variant, ...stageSeconds(byStage.stages) },
      peer: stageSeconds(peer.stages),
    },
    variants: ours.map((r) => ({
      variant: r.variant,
      docs_per_s: rate(r.documents, r.wall_s),
      docs_per_cpu_s: rate(r.documents, r.cpu_s),
      wall_s: round(r.wall_s),
      cpu_s: round(r.cpu_s),
      peak_rss_mb: Math.round(r.peak_rss_mb),
      stage_seconds: stageSeconds(r.stages),
    })),
    peer_detail: { wall_s: round(peer.wall_s), cpu_s: round(peer.cpu_s), peak_rss_mb: Math.round(peer.peak_rss_mb), versions: peer.versions },
    // Same work on both sides? The counts should be close (filter parity is ~99%, dedup differs in
    // how clusters are resolved); tokens equal when the same documents survive.
    work: {
      same_documents_and_tokens:
        reported.kept_after_filter === peer.kept_after_filter && reported.unique === peer.unique && reported.tokens === peer.tokens,
      ours: {
        kept_after_filter: reported.kept_after_filter,
        duplicates: reported.exact_duplicates + reported.near_duplicates,
        exact_duplicates: reported.exact_duplicates,
        near_duplicates: reported.near_duplicates,
        unique: reported.unique,
        tokens: reported.tokens,
        sequences: reported.sequences,
        rejected_by_rule: reported.rejected_by_rule,
      },
      peer: {
        kept_after_filter: peer.kept_after_filter,
        duplicates: peer.duplicates_removed,
        unique: peer.unique,
        tokens: peer.tokens,
        rejected_by_rule: peer.rejected_by_rule,
      },
    },
    repeat,
    tokenizer: `defaultTokenizerPath(): ${tokenizerPath.replace(/^.*node_modules\//, 'node_modules/')}`,
    notes: NOTES,
    command: `npm run build && ${cmdline}`,
    machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, node ${process.version}; load average at end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
    date: new Date().toISOString(),
  };
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(JSON.stringify({ ours: result.ours, peer: result.peer, ratio: result.ratio, per_core_ratio: result.per_core_ratio, docs: result.docs }) + '\n');
  process.stderr.write(`wrote ${path.relative(process.cwd(), out)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

// Throughput of the CPU-bound parts of dedup and packing on a small real-text sample (Debian's
// licence texts, cut into ~300-word documents, cycled to the requested size). Not a test.
// Run: npm run build && node dist/bench/dedup-pack-throughput.js [documents=2000]
import * as fs from 'node:fs';
import { MinHasher, createPacker, DocumentTokenizer } from '@cptflow/data';

function sample(count: number): string[] {
  const dir = '/usr/share/common-licenses';
  const words = fs
    .readdirSync(dir)
    .sort()
    .filter((f) => fs.statSync(`${dir}/${f}`).isFile())
    .flatMap((f) => fs.readFileSync(`${dir}/${f}`, 'utf8').split(/(\s+)/));
  const docs: string[] = [];
  for (let i = 0; docs.length < count; i = (i + 600) % Math.max(1, words.length - 600)) docs.push(words.slice(i, i + 600).join(''));
  return docs;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 2000);
  const docs = sample(count);
  const chars = docs.reduce((n, d) => n + d.length, 0);

  const hasher = new MinHasher();
  let t = process.hrtime.bigint();
  for (const d of docs) hasher.signature(d);
  const minhashS = Number(process.hrtime.bigint() - t) / 1e9;

  const tokenizer = DocumentTokenizer.load();
  t = process.hrtime.bigint();
  let tokens = 0;
  const packer = createPacker({ strategy: 'concat', seqLen: 2048, padId: tokenizer.eosId });
  let sequences = 0;
  for (let i = 0; i < docs.length; i += 256) {
    const batch = await tokenizer.encodeBatch(docs.slice(i, i + 256));
    tokens += batch.reduce((n, b) => n + b.length, 0);
    sequences += packer.push(batch.map((tokens, j) => ({ id: `d${i + j}`, tokens }))).length;
  }
  sequences += packer.flush().length;
  const tokS = Number(process.hrtime.bigint() - t) / 1e9;

  console.log(JSON.stringify({
    documents: docs.length,
    megabytes: +(chars / 1e6).toFixed(2),
    minhash_docs_per_s: Math.round(docs.length / minhashS),
    tokenize_pack_tokens_per_s: Math.round(tokens / tokS),
    tokenize_pack_docs_per_s: Math.round(docs.length / tokS),
    tokens,
    sequences,
  }, null, 1));
}

void main();

// Worker thread for sqlite-store.test.ts: one dedup consumer with its own SQLite connection.
import { parentPort, workerData } from 'node:worker_threads';
import { Deduplicator, type DedupVerdict } from '../deduplicator';
import { SqliteSignatureStore } from './sqlite-store';

interface Job {
  file: string;
  docs: Array<{ id: string; text: string }>;
}

async function run(): Promise<void> {
  const { file, docs } = workerData as Job;
  const store = new SqliteSignatureStore(file);
  const dedup = new Deduplicator(store);
  const verdicts: Array<[string, DedupVerdict]> = [];
  for (const doc of docs) verdicts.push([doc.id, await dedup.check(doc)]);
  await store.close();
  parentPort!.postMessage(verdicts);
}

void run();

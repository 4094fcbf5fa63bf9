// SQLite store (better-sqlite3): the embedded choice that survives restarts. Several processes may
// share one database file: each claim runs in a BEGIN IMMEDIATE transaction, which takes SQLite's
// write lock before reading, so two claims never interleave; busy_timeout makes a second writer
// wait for the lock instead of failing.
import Database from 'better-sqlite3';
import type { MinHashSignature } from '../minhash';
import { checkNamespace, claimInOrder, type ClaimRequest, type ClaimResult, type SignatureStore } from '../signature-store';

export interface SqliteStoreOptions {
  /** Table-name prefix, so several pipelines can share one file. Default "dedup". */
  namespace?: string;
  /** Milliseconds a claim waits for another process's write lock. Default 10000. */
  busyTimeoutMs?: number;
}

export class SqliteSignatureStore implements SignatureStore {
  private readonly db: Database.Database;
  private readonly claimTx: (req: ClaimRequest) => ClaimResult;
  private readonly selectSignature: Database.Statement<[string], { signature: Buffer }>;

  constructor(filename: string, options: SqliteStoreOptions = {}) {
    const ns = checkNamespace(options.namespace ?? 'dedup');
    this.db = new Database(filename);
    this.db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 10000)}`);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS ${ns}_buckets (key TEXT PRIMARY KEY, owner TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS ${ns}_signatures (doc_id TEXT PRIMARY KEY, signature BLOB NOT NULL) WITHOUT ROWID;
    `);
    const selectOwner = this.db.prepare<[string], { owner: string }>(`SELECT owner FROM ${ns}_buckets WHERE key = ?`);
    const insertOwner = this.db.prepare<[string, string]>(`INSERT OR IGNORE INTO ${ns}_buckets (key, owner) VALUES (?, ?)`);
    const insertSignature = this.db.prepare<[string, Buffer]>(
      `INSERT OR IGNORE INTO ${ns}_signatures (doc_id, signature) VALUES (?, ?)`,
    );
    this.selectSignature = this.db.prepare(`SELECT signature FROM ${ns}_signatures WHERE doc_id = ?`);
    const tx = this.db.transaction(({ docId, keys, signature }: ClaimRequest): ClaimResult => {
      const owners = keys.map((k) => selectOwner.get(k)?.owner ?? null);
      if (owners.some((o) => o !== null && o !== docId)) return { claimed: false, owners };
      for (const k of keys) insertOwner.run(k, docId);
      if (signature) insertSignature.run(docId, Buffer.from(signature));
      return { claimed: true, owners: keys.map(() => docId) };
    });
    this.claimTx = (req) => tx.immediate(req);
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    return this.claimTx(request);
  }

  claimMany(requests: readonly ClaimRequest[]): Promise<ClaimResult[]> {
    return claimInOrder(this, requests);
  }

  async signatures(docIds: readonly string[]): Promise<Map<string, MinHashSignature>> {
    const out = new Map<string, MinHashSignature>();
    for (const id of docIds) {
      const row = this.selectSignature.get(id);
      if (row) out.set(id, new Uint8Array(row.signature));
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

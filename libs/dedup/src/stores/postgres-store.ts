// PostgreSQL store (pg): for several dedup consumers on several machines.
//
// A claim is one transaction: insert every key with ON CONFLICT DO NOTHING, read back the owners,
// and commit only if all keys are this document's; otherwise roll back, which removes the keys it
// had just inserted. A concurrent claim inserting an overlapping key blocks on the unique index
// until the first transaction ends, so "first to commit owns it" holds across consumers. Keys are
// inserted in sorted order, so two claims always wait on each other in the same direction; a
// deadlock or serialization failure, should the server still report one, is retried.
import { Pool, type PoolConfig } from 'pg';
import type { MinHashSignature } from '../minhash';
import { checkNamespace, claimInOrder, type ClaimRequest, type ClaimResult, type SignatureStore } from '../signature-store';

export interface PostgresStoreOptions {
  /** Table-name prefix. Default "dedup". */
  namespace?: string;
  /** Extra pg pool settings (max connections, ssl, ...). */
  pool?: PoolConfig;
}

const RETRYABLE = new Set(['40P01', '40001']); // deadlock_detected, serialization_failure
const MAX_ATTEMPTS = 5;

export class PostgresSignatureStore implements SignatureStore {
  private readonly pool: Pool;
  private readonly buckets: string;
  private readonly sigs: string;
  private ready: Promise<void> | null = null;

  constructor(connectionString: string, options: PostgresStoreOptions = {}) {
    const ns = checkNamespace(options.namespace ?? 'dedup');
    this.buckets = `${ns}_buckets`;
    this.sigs = `${ns}_signatures`;
    this.pool = new Pool({ connectionString, max: 4, ...options.pool });
  }

  /** Creates the tables if needed; called by the first claim, callable earlier to fail fast. */
  init(): Promise<void> {
    this.ready ??= (async () => {
      // Two consumers starting together may both try to create the tables; the advisory lock
      // serialises them (CREATE TABLE IF NOT EXISTS alone can still race on the type catalog).
      const client = await this.pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock(hashtext($1))', [this.buckets]);
        await client.query(`CREATE TABLE IF NOT EXISTS ${this.buckets} (key text PRIMARY KEY, owner text NOT NULL)`);
        await client.query(`CREATE TABLE IF NOT EXISTS ${this.sigs} (doc_id text PRIMARY KEY, signature bytea NOT NULL)`);
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [this.buckets]);
      } finally {
        client.release();
      }
    })();
    return this.ready;
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    await this.init();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.claimOnce(request);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= MAX_ATTEMPTS || !code || !RETRYABLE.has(code)) throw err;
      }
    }
  }

  private async claimOnce({ docId, keys, signature }: ClaimRequest): Promise<ClaimResult> {
    const sortedKeys = [...keys].sort();
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO ${this.buckets} (key, owner)
         SELECT k, $2 FROM unnest($1::text[]) WITH ORDINALITY AS t(k, i) ORDER BY i
         ON CONFLICT (key) DO NOTHING`,
        [sortedKeys, docId],
      );
      const rows = await client.query<{ key: string; owner: string }>(
        `SELECT key, owner FROM ${this.buckets} WHERE key = ANY($1::text[])`,
        [sortedKeys],
      );
      const ownerOf = new Map(rows.rows.map((r) => [r.key, r.owner]));
      const owners = keys.map((k) => ownerOf.get(k) ?? null);
      if (owners.some((o) => o !== docId)) {
        await client.query('ROLLBACK');
        // What we inserted is gone again: report those keys as unowned.
        return { claimed: false, owners: owners.map((o) => (o === docId ? null : o)) };
      }
      if (signature) {
        await client.query(
          `INSERT INTO ${this.sigs} (doc_id, signature) VALUES ($1, $2) ON CONFLICT (doc_id) DO NOTHING`,
          [docId, Buffer.from(signature)],
        );
      }
      await client.query('COMMIT');
      return { claimed: true, owners };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  claimMany(requests: readonly ClaimRequest[]): Promise<ClaimResult[]> {
    return claimInOrder(this, requests);
  }

  async signatures(docIds: readonly string[]): Promise<Map<string, MinHashSignature>> {
    await this.init();
    const out = new Map<string, MinHashSignature>();
    if (docIds.length === 0) return out;
    const res = await this.pool.query<{ doc_id: string; signature: Buffer }>(
      `SELECT doc_id, signature FROM ${this.sigs} WHERE doc_id = ANY($1::text[])`,
      [[...docIds]],
    );
    for (const row of res.rows) out.set(row.doc_id, new Uint8Array(row.signature));
    return out;
  }

  /** Drops this namespace's tables (tests use a throwaway namespace). */
  async dropTables(): Promise<void> {
    await this.pool.query(`DROP TABLE IF EXISTS ${this.buckets}, ${this.sigs}`);
    this.ready = null;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

// PostgreSQL store (pg): for several dedup consumers on several machines.
//
// A claim: insert every key with ON CONFLICT DO NOTHING, read back the owners, and keep the
// inserts only if all keys are this document's; otherwise roll back to a savepoint taken before
// the inserts, which removes the keys it had just inserted. A batch (claimMany) is one
// transaction, so it costs one commit. A concurrent claim inserting an overlapping key blocks on
// the unique index until the first transaction ends, so "first to commit owns it" holds across
// consumers. Within a claim keys are inserted in sorted order; across the claims of two batches
// a deadlock is still possible (both batches hold keys the other wants), in which case the server
// aborts one transaction and that batch is retried from the start.
import { Pool, type PoolClient, type PoolConfig } from 'pg';
import type { MinHashSignature } from '../minhash';
import { checkNamespace, type ClaimRequest, type ClaimResult, type SignatureStore } from '../signature-store';

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
    return (await this.claimMany([request]))[0];
  }

  /**
   * All claims of the batch in one transaction (one commit, so one WAL flush, for the batch), each
   * inside its own savepoint so a refused claim rolls back only its own inserts. A deadlock with
   * another consumer's batch aborts the whole transaction, which is then retried from the start.
   */
  async claimMany(requests: readonly ClaimRequest[]): Promise<ClaimResult[]> {
    if (requests.length === 0) return [];
    await this.init();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.claimBatchOnce(requests);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= MAX_ATTEMPTS || !code || !RETRYABLE.has(code)) throw err;
      }
    }
  }

  private async claimBatchOnce(requests: readonly ClaimRequest[]): Promise<ClaimResult[]> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const results: ClaimResult[] = [];
      for (const request of requests) results.push(await this.claimInTransaction(client, request));
      await client.query('COMMIT');
      return results;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  private async claimInTransaction(client: PoolClient, { docId, keys, signature }: ClaimRequest): Promise<ClaimResult> {
    await client.query('SAVEPOINT dedup_claim');
    await client.query(
      `INSERT INTO ${this.buckets} (key, owner)
       SELECT k, $2 FROM unnest($1::text[]) WITH ORDINALITY AS t(k, i) ORDER BY i
       ON CONFLICT (key) DO NOTHING`,
      [[...keys].sort(), docId],
    );
    const rows = await client.query<{ key: string; owner: string }>(
      `SELECT key, owner FROM ${this.buckets} WHERE key = ANY($1::text[])`,
      [[...keys]],
    );
    const ownerOf = new Map(rows.rows.map((r) => [r.key, r.owner]));
    const owners = keys.map((k) => ownerOf.get(k) ?? null);
    if (owners.some((o) => o !== docId)) {
      await client.query('ROLLBACK TO SAVEPOINT dedup_claim');
      // What we inserted is gone again: report those keys as unowned.
      return { claimed: false, owners: owners.map((o) => (o === docId ? null : o)) };
    }
    if (signature) {
      await client.query(
        `INSERT INTO ${this.sigs} (doc_id, signature) VALUES ($1, $2) ON CONFLICT (doc_id) DO NOTHING`,
        [docId, Buffer.from(signature)],
      );
    }
    await client.query('RELEASE SAVEPOINT dedup_claim');
    return { claimed: true, owners };
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

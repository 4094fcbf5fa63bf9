// Where the dedup state lives: which document owns each hash bucket (the exact-text hash and the
// 14 LSH band keys), and the MinHash signature of every document that owns buckets.
//
// The one write operation, `claim`, is atomic over all keys of a document and all-or-nothing:
//  - if no key is owned by another document, the document now owns all of them (keys it already
//    owned stay its own) and its signature is stored: it is unique;
//  - otherwise nothing is written and the current owners are returned: it is a duplicate.
// So only documents that were kept ever own buckets (a duplicate is always reported against a
// kept document, never against another duplicate), several consumers sharing one store agree on
// who was first, and a re-delivered document finds its own id on its keys and is unique again
// (or, if it was a duplicate, finds the same owners again): verdicts are idempotent.
import type { MinHashSignature } from './minhash';

export interface ClaimRequest {
  docId: string;
  /** Bucket keys of the document; distinct. */
  keys: readonly string[];
  /** Stored when the claim succeeds; null for documents too short to have one. */
  signature: MinHashSignature | null;
}

export interface ClaimResult {
  /** True when docId owns every key after the call. */
  claimed: boolean;
  /** Owner of keys[i] as seen by the claim: docId, another document's id, or null (unowned). */
  owners: Array<string | null>;
}

export interface SignatureStore {
  /** Atomic all-or-nothing claim of a document's bucket keys (see the file comment). */
  claim(request: ClaimRequest): Promise<ClaimResult>;
  /**
   * claim() for several documents, applied in order (a later one sees the earlier ones' claims);
   * each claim is atomic on its own. Stores use it to save round trips (Redis pipelines).
   */
  claimMany(requests: readonly ClaimRequest[]): Promise<ClaimResult[]>;
  /** Stored signatures of the given documents (absent ids are missing from the map). */
  signatures(docIds: readonly string[]): Promise<Map<string, MinHashSignature>>;
  close(): Promise<void>;
}

/** Names of tables / key prefixes must be plain identifiers: they are spliced into SQL. */
export function checkNamespace(namespace: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(namespace)) {
    throw new Error(`dedup store namespace must match [A-Za-z_][A-Za-z0-9_]{0,40}, got ${JSON.stringify(namespace)}`);
  }
  return namespace;
}

/** claimMany as a loop over claim, for stores that gain nothing from batching. */
export async function claimInOrder(store: Pick<SignatureStore, 'claim'>, requests: readonly ClaimRequest[]): Promise<ClaimResult[]> {
  const out: ClaimResult[] = [];
  for (const r of requests) out.push(await store.claim(r));
  return out;
}

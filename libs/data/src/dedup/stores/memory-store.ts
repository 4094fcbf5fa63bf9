// In-process store: for single-process runs and tests. Node runs one claim to completion before
// the next (no await inside), which is what makes it atomic.
import type { MinHashSignature } from '../minhash';
import { claimInOrder, type ClaimRequest, type ClaimResult, type SignatureStore } from '../signature-store';

export class MemorySignatureStore implements SignatureStore {
  private readonly owners = new Map<string, string>();
  private readonly stored = new Map<string, MinHashSignature>();

  async claim({ docId, keys, signature }: ClaimRequest): Promise<ClaimResult> {
    const owners = keys.map((k) => this.owners.get(k) ?? null);
    if (owners.some((o) => o !== null && o !== docId)) return { claimed: false, owners };
    for (const k of keys) this.owners.set(k, docId);
    if (signature && !this.stored.has(docId)) this.stored.set(docId, signature.slice());
    return { claimed: true, owners: keys.map(() => docId) };
  }

  claimMany(requests: readonly ClaimRequest[]): Promise<ClaimResult[]> {
    return claimInOrder(this, requests);
  }

  async signatures(docIds: readonly string[]): Promise<Map<string, MinHashSignature>> {
    const out = new Map<string, MinHashSignature>();
    for (const id of docIds) {
      const sig = this.stored.get(id);
      if (sig) out.set(id, sig);
    }
    return out;
  }

  /** Number of owned buckets (for tests and metrics). */
  get size(): number {
    return this.owners.size;
  }

  async close(): Promise<void> {}
}

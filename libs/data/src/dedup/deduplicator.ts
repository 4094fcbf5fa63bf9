// The streaming dedup decision for one document at a time: unique, exact duplicate of X, or near
// duplicate of X with its estimated Jaccard similarity. All state is in the SignatureStore, so any
// number of Deduplicators (processes, machines) sharing one store decide as one would.
import { createHash } from 'node:crypto';
import { DATATROVE_MINHASH_DEFAULTS, estimatedJaccard, MinHasher, type MinHashConfig, type MinHashSignature } from './minhash';
import type { ClaimRequest, ClaimResult, SignatureStore } from './signature-store';
import { normalizeForExactMatch } from './text-normalization';

export type DedupVerdict =
  | { kind: 'unique' }
  | { kind: 'exact'; duplicateOf: string; similarity: 1 }
  | { kind: 'near'; duplicateOf: string; similarity: number };

export interface DedupInput {
  id: string;
  text: string;
}

/** What a document contributes to the store; computing it needs no I/O. */
export interface DocumentFingerprint {
  docId: string;
  exactKey: string;
  signature: MinHashSignature | null;
  bandKeys: string[];
}

export interface DeduplicatorOptions {
  minhash?: Partial<MinHashConfig>;
  /** Turn MinHash off and keep only exact dedup. Default true (both). */
  nearDuplicates?: boolean;
}

/** "x:" + SHA-256 hex of normalizeForExactMatch(text). */
export function exactKey(text: string): string {
  return 'x:' + createHash('sha256').update(normalizeForExactMatch(text), 'utf8').digest('hex');
}

function claimRequest(fp: DocumentFingerprint): ClaimRequest {
  return { docId: fp.docId, keys: [fp.exactKey, ...fp.bandKeys], signature: fp.signature };
}

export class Deduplicator {
  private readonly hasher: MinHasher;
  private readonly nearDuplicates: boolean;

  constructor(
    private readonly store: SignatureStore,
    options: DeduplicatorOptions = {},
  ) {
    this.hasher = new MinHasher({ ...DATATROVE_MINHASH_DEFAULTS, ...options.minhash });
    this.nearDuplicates = options.nearDuplicates ?? true;
  }

  fingerprint(doc: DedupInput): DocumentFingerprint {
    const signature = this.nearDuplicates ? this.hasher.signature(doc.text) : null;
    return {
      docId: doc.id,
      exactKey: exactKey(doc.text),
      signature,
      bandKeys: signature ? this.hasher.bandKeys(signature) : [],
    };
  }

  async check(doc: DedupInput): Promise<DedupVerdict> {
    return this.decide(this.fingerprint(doc));
  }

  /**
   * Checks documents in order (a later document in the batch may duplicate an earlier one), with
   * one claimMany call for the whole batch.
   */
  async checkAll(docs: readonly DedupInput[]): Promise<DedupVerdict[]> {
    const fingerprints = docs.map((d) => this.fingerprint(d));
    const results = await this.store.claimMany(fingerprints.map(claimRequest));
    return Promise.all(results.map((r, i) => this.verdict(fingerprints[i], r)));
  }

  async decide(fp: DocumentFingerprint): Promise<DedupVerdict> {
    return this.verdict(fp, await this.store.claim(claimRequest(fp)));
  }

  private async verdict(fp: DocumentFingerprint, { claimed, owners }: ClaimResult): Promise<DedupVerdict> {
    if (claimed) return { kind: 'unique' };
    const exactOwner = owners[0];
    if (exactOwner !== null && exactOwner !== fp.docId) return { kind: 'exact', duplicateOf: exactOwner, similarity: 1 };
    return this.nearestOwner(fp, owners.slice(1));
  }

  /** Among the owners of colliding bands, the most similar one (ties: the lowest band index). */
  private async nearestOwner(fp: DocumentFingerprint, bandOwners: Array<string | null>): Promise<DedupVerdict> {
    const candidates: string[] = [];
    for (const owner of bandOwners) {
      if (owner !== null && owner !== fp.docId && !candidates.includes(owner)) candidates.push(owner);
    }
    if (candidates.length === 0 || !fp.signature) {
      throw new Error(`dedup store refused ${fp.docId} without naming another owner: store is inconsistent`);
    }
    const stored = await this.store.signatures(candidates);
    let best = candidates[0];
    let bestSimilarity = -1;
    for (const candidate of candidates) {
      const sig = stored.get(candidate);
      // A signature can only be missing if the store lost it; fall back to the share of bands shared.
      const similarity = sig
        ? estimatedJaccard(fp.signature, sig)
        : bandOwners.filter((o) => o === candidate).length / bandOwners.length;
      if (similarity > bestSimilarity) {
        best = candidate;
        bestSimilarity = similarity;
      }
    }
    return { kind: 'near', duplicateOf: best, similarity: bestSimilarity };
  }
}

// Turns a verdict into the docs.duplicate message of proto/cptflow.proto.
import { DuplicateKind, type Document, type Duplicate } from '@cptflow/platform';
import type { DedupVerdict } from './deduplicator';

/** The Duplicate message for a duplicate verdict; null for a unique document. */
export function toDuplicateMessage(document: Document, verdict: DedupVerdict): Duplicate | null {
  if (verdict.kind === 'unique') return null;
  return {
    document,
    duplicateOf: verdict.duplicateOf,
    kind: verdict.kind === 'exact' ? DuplicateKind.EXACT : DuplicateKind.NEAR,
    similarity: verdict.similarity,
  };
}

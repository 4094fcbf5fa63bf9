export { simplifyText, normalizeForExactMatch } from './text-normalization';
export {
  MinHasher,
  DATATROVE_MINHASH_DEFAULTS,
  estimatedJaccard,
  permutationParameters,
  sha1Hash64,
  shingleStrings,
  signatureValues,
  type MinHashConfig,
  type MinHashSignature,
} from './minhash';
export { Deduplicator, exactKey, type DedupVerdict, type DedupInput, type DeduplicatorOptions, type DocumentFingerprint } from './deduplicator';
export { toDuplicateMessage } from './duplicate-message';
export type { SignatureStore, ClaimRequest, ClaimResult } from './signature-store';
export { MemorySignatureStore } from './stores/memory-store';
export { SqliteSignatureStore, type SqliteStoreOptions } from './stores/sqlite-store';
export { PostgresSignatureStore, type PostgresStoreOptions } from './stores/postgres-store';
export { RedisSignatureStore, type RedisStoreOptions } from './stores/redis-store';

export { CheckpointError, TensorSpec, ShardLayout, ShardTensor, planShards, layoutOf, shardBytes } from './layout';
export { ShardedStateStore, StateStoreOptions, ResidentShard, AccessMode, ShardSource } from './state-store';
export { Manifest, ManifestShard, KafkaOffset, TrainingProgress, MANIFEST_FILE, parseManifest, layoutsOf } from './manifest';
export {
  saveCheckpoint,
  SaveOptions,
  SavedCheckpoint,
  readCompleteCheckpoint,
  listCheckpoints,
  findLatestCheckpoint,
  FindLatestOptions,
  setAsideDamaged,
  DAMAGE_REASON_FILE,
  CheckpointEntry,
  restoreStateStore,
  RestoreOptions,
  applyRetention,
  RetentionPolicy,
  checkpointDirName,
} from './checkpoint';
export { FileDigest, FileDigestMismatch, digestFiles, verifyFileDigests } from './file-digests';
export { fsyncDir } from './file-io';

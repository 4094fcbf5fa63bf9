export * from './dtypes';
export { SafetensorsError, TensorInfo, MAX_HEADER_BYTES, encodeHeader, HeaderEntry } from './header';
export { SafetensorsReader, readFloat32TensorsSync } from './reader';
export { TensorToWrite, WriteOptions, writeSafetensors } from './writer';
export { SafetensorsModel, saveSafetensorsModel, SaveModelOptions, ShardIndex, SINGLE_FILE, INDEX_FILE } from './sharded';

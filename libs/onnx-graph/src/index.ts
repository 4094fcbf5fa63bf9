export * from './dtype';
export * from './shape';
export * from './graph';
export * from './gradient-registry';
export * from './broadcast';
export * from './autodiff';
export * from './runtime';
export * from './ops';
export { encodeModelProto, decodeModelProto } from './onnx-proto';

export * from './setup';
export * from './trace-context';
export * from './metrics';

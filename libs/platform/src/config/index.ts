export * from './schema';
export * from './load';
export * from './paths';
export * from './backends';
export * from './stage-sections';

export * from './tokenizer';
export * from './hf-model-dir';

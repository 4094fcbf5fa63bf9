// cptflow's model-based quality scorer: a user-supplied ONNX text classifier behind DocumentScorer.
export * from './logit-scores';
export * from './classifier-tokenizer';
export * from './classifier-session';
export * from './onnx-text-classifier-scorer';

// libs/eval-engine: scores lm-evaluation-harness requests with our own ONNX forward graph (see README.md).
export { buildScoringGraph, scoringModelBytes } from './scoring-graph';
export { ForwardPass, PlanOptions, PAD_TOKEN_ID, PAD_BRANCH, CONTEXT_BRANCH, planForwardPasses } from './batch-plan';
export { HfModelDir, ModelDirError, architectureOf, loadHfModelDir, loadHfTokenizer } from './hf-model-dir';
export { OnnxLogLikelihoodModel, OnnxModelOptions, OnnxModelStats } from './onnx-model';
export { evaluateModelDir, ModelEvaluation, ModelEvaluationOptions, limitCount } from './evaluate-model';

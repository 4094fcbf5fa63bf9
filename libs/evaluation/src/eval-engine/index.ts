// libs/evaluation/src/eval-engine: scores lm-evaluation-harness requests with our own ONNX forward graph (see README.md).
export { buildScoringGraph, scoringModelBytes, scoredLogprobs, LogprobMethod } from './scoring-graph';
export { ForwardPass, PlanOptions, PAD_TOKEN_ID, PAD_BRANCH, CONTEXT_BRANCH, planForwardPasses } from './batch-plan';
export { OnnxLogLikelihoodModel, OnnxModelOptions, OnnxModelStats } from './onnx-model';
export { evaluateModelDir, ModelEvaluation, ModelEvaluationOptions, limitCount } from './evaluate-model';
// The evaluator's parts (what services/evaluator and `cptflow run` host): see README.md "The evaluator".
export { EvaluatorCore, EvaluatorCoreOptions } from './evaluator/evaluator-core';
export { CheckpointEvaluator, EvaluationOutcome, EvaluationSpec, PERPLEXITY_METRICS } from './evaluator/checkpoint-evaluator';
export { CheckpointStage, STAGE_NAME, evalEventCodec } from './evaluator/checkpoint-stage';
export { EvaluationQueue } from './evaluator/evaluation-queue';
export { EvaluationWorker, EvaluationWorkerOptions } from './evaluator/evaluation-worker';
export { evaluatorSchema, heldoutSetSchema, evaluatorConfigFrom, checkEvaluatorPaths, EvaluatorConfig, HeldoutSet } from './evaluator/evaluator.config';
export { HeldoutDataError, readHeldoutTexts } from './evaluator/heldout-text';
export { TaskCatalog, TaskCatalogOptions, TaskPlan } from './evaluator/task-catalog';
export { TelemetryIntake, TelemetryIntakeOptions } from './evaluator/telemetry-intake';

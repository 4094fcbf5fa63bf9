// Test scaffolding for libs/evaluation/src/eval: the lm-evaluation-harness reference fixture (its requests, log-likelihoods
// and scores, replayable as a model) and FixtureLlama, a plain-TypeScript forward pass of the fixture model.
// For tests and benchmarks only; production code imports libs/evaluation/src/eval's main entry, never this one.
export {
  fixturesDir,
  loadReference,
  LmEvalReference,
  ReferenceTask,
  ReplayModel,
  compareWithReference,
  ParityReport,
  TaskParity,
  REFERENCE_TASKS,
} from './reference-fixture';
export { FixtureLlama } from './fixture-llama';
export { trainedLikeLogits, float64Logprobs } from './trained-like-logits';

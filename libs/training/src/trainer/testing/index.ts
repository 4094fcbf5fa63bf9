// Test scaffolding for libs/training/src/trainer: a tiny LLaMA with the real LLaMA-2 vocabulary and packed real text
// (fixtures), ContinuousTrainer options and waits for tests (harness), and HeldOutEvaluator, the held-out
// loss the tests and the replay experiment measure. For tests and benchmarks only; production code
// imports libs/training/src/trainer's main entry, never this one.
export * from './fixtures';
export * from './harness';
export * from './heldout-loss';

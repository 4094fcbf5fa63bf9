// libs/evaluation/src/eval: lm-evaluation-harness v0.4-compatible benchmark tasks, request building and scoring,
// independent of any model implementation (see README.md).
export { Doc, renderTemplate, TemplateError } from './template';
export {
  FieldSpec,
  MetricName,
  DatasetSpec,
  TaskDefinition,
  TaskGroupDefinition,
  TaskDefinitionError,
  registerDocFunction,
  registerDocsProcessor,
  docChoices,
  docText,
  docTarget,
  evalSplitOf,
  fewshotSplitOf,
} from './task-definition';
export {
  ARC_EASY,
  ARC_CHALLENGE,
  HELLASWAG,
  WINOGRANDE,
  BOOLQ,
  PIQA,
  MMLU_SUBJECTS,
  mmluSubjectTask,
  mmluGroup,
  mmluCategoryGroups,
  builtinTasks,
  hellaswagPreprocess,
} from './builtin-tasks';
export { TaskDataError, findSplitFiles, locateSplit, SplitLocation, readSplit } from './dataset-reader';
export { FewshotSampler, HARNESS_FEWSHOT_SEED } from './fewshot';
export { ContextRequest, DocRequests, BuildOptions, EncodeOptions, EncodedRequest, buildRequests, encodePair, encodeRequests, harnessEncode } from './requests';
export {
  LogLikelihoodModel,
  ScoreRequest,
  ScoreResult,
  ScoreOptions,
  SampleResult,
  scoreRequests,
  scoreDocument,
  scoreDocuments,
  aggregateSamples,
  truncateForModel,
  groupBySharedInput,
  SharedInputGroup,
} from './scorer';
export { MetricValue, TaskScore, mean, meanStderr, aggregateGroup, pooledSampleStderr, unweightedMeanStderr } from './metrics';
export { rollingWindows, rollingPerplexity, readTextSet, PerplexityResult, PerplexityDocResult, PerplexityOptions } from './perplexity';
export { TaskDocs, EvaluateOptions, TaskEvaluation, TaskSettings, loadTaskDocs, evaluateTask, evaluateTaskDocs, evaluateSuite, fewshotPoolProblem, checkFewshotPools } from './evaluate';
export { parseTaskDefinition, loadTaskDefinitions } from './task-loader';
export { MissingSplit, TaskSelection, TaskSelectionError, SelectOptions, selectTasks, missingSplits, requiredSplits, missingLine } from './task-selection';
export {
  HarnessResults,
  HarnessRunInfo,
  HarnessTaskInput,
  harnessResults,
  harnessSamples,
  harnessTable,
  harnessDateId,
  writeHarnessOutput,
  WrittenHarnessOutput,
  sanitizeModelName,
  pyFloatRepr,
} from './harness-output';

// Evaluates one checkpoint: benchmark tasks and held-out perplexity, each stored as soon as it is
// scored. Work already stored for this checkpoint with the same settings is skipped, so a
// re-delivered event or a retried evaluation costs only what is missing. A base model this process
// has already scored (the same files) is not scored again: every run continued from one base
// announces it as its step 0, and one scoring serves them all.
import { readdir } from 'node:fs/promises';
import {
  aggregateGroup,
  evaluateTaskDocs,
  loadTaskDocs,
  LogLikelihoodModel,
  MetricName,
  rollingPerplexity,
  SampleResult,
  TaskDefinition,
  TaskEvaluation,
  TaskScore,
} from '../../eval';
import { HfTokenizer, loadHfTokenizer } from '@cptflow/model';
import { digestFiles } from '@cptflow/training';
import { OnnxLogLikelihoodModel } from '../onnx-model';
import { metrics } from '@opentelemetry/api';
import { inSpan } from '@cptflow/platform';
import {
  sameSettings,
  type CheckpointView,
  type EvaluationSettings,
  type ResultsService,
  type SampleRecord,
  type TaskResultRecord,
  type TaskResultView,
} from '@cptflow/results';
import { TorchLogLikelihoodModel } from '../torch-scorer';
import type { EvaluatorConfig } from './evaluator.config';
import { readHeldoutTexts } from './heldout-text';
import { TaskCatalog } from './task-catalog';

/** What one evaluation covers; nulls fall back to the configured defaults. */
export interface EvaluationSpec {
  tasks: string[] | null;
  limit: number | null;
  numFewshot: number | null;
}

export interface EvaluationOutcome {
  checkpoint: CheckpointView;
  /** (task) names scored by this call. */
  evaluated: string[];
  /** (task) names whose results were already stored with the same settings. */
  skipped: string[];
  /** Everything stored for the checkpoint afterwards. */
  results: TaskResultView[];
}

export const PERPLEXITY_METRICS = ['token_perplexity', 'word_perplexity', 'byte_perplexity', 'bits_per_byte'] as const;

const SAMPLE_PRED: Record<MetricName, (s: SampleResult) => number> = {
  acc: (s) => s.pred,
  acc_norm: (s) => s.predNorm,
  acc_bytes: (s) => s.predBytes,
};

type Log = (message: string) => void;

type ClosableModel = LogLikelihoodModel & { close(): Promise<void> };

/** Loads the model on first use, so a fully skipped evaluation never touches the model files. */
class LazyModel {
  private loaded?: Promise<{ model: ClosableModel; tokenizer: HfTokenizer }>;

  constructor(
    private readonly dir: string,
    private readonly config: EvaluatorConfig,
  ) {}

  get(): Promise<{ model: ClosableModel; tokenizer: HfTokenizer }> {
    this.loaded ??= (async () => {
      const tokenizer = await loadHfTokenizer(this.dir);
      const model =
        this.config.engine === 'torch'
          ? await TorchLogLikelihoodModel.fromDir(this.dir, { ...this.config.torch, maxLength: this.config.maxLength })
          : await OnnxLogLikelihoodModel.fromDir(this.dir, {
              maxLength: this.config.maxLength,
              maxTokensPerPass: this.config.maxTokensPerPass,
              intraOpNumThreads: this.config.intraOpThreads,
            });
      return { model, tokenizer };
    })();
    return this.loaded;
  }

  async close(): Promise<void> {
    if (!this.loaded) return;
    const loaded = await this.loaded.catch(() => undefined);
    await loaded?.model.close();
  }
}

/** What one task or held-out set of a base model scored to: its records, and its score for groups. */
interface BaseResult {
  checkpointId: number;
  /** run@step, for the log. */
  from: string;
  records: TaskResultRecord[];
  score?: TaskScore;
}

/** The files a model's scores depend on: config, weights and tokenizer. */
const MODEL_FILE = /^(config\.json|tokenizer(_config)?\.json|.*\.safetensors(\.index\.json)?)$/;

/** The identity of a model directory's contents: name, size and sha256 of each file scores depend on. */
async function modelFingerprint(dir: string): Promise<string> {
  const names = (await readdir(dir)).filter((n) => MODEL_FILE.test(n)).sort();
  return JSON.stringify(await digestFiles(dir, names));
}

export class CheckpointEvaluator {
  /** Number of task / perplexity evaluations actually scored (not skipped or reused) by this process. */
  scoredCount = 0;
  /** Base-model results this process scored, by model fingerprint, then by task and settings. */
  private readonly baseResults = new Map<string, Map<string, BaseResult>>();

  constructor(
    private readonly results: ResultsService,
    private readonly catalog: TaskCatalog,
    private readonly config: EvaluatorConfig,
    private readonly log: Log = () => undefined,
  ) {}

  async evaluate(checkpoint: CheckpointView, spec: EvaluationSpec = { tasks: null, limit: null, numFewshot: null }): Promise<EvaluationOutcome> {
    // One span per checkpoint evaluation, carrying which checkpoint; the task spans nest inside it.
    const attributes = { 'cptflow.run': checkpoint.run, 'cptflow.checkpoint.step': checkpoint.step, 'cptflow.checkpoint.id': checkpoint.id };
    return inSpan('cptflow-evaluator', 'evaluate checkpoint', { attributes }, () => this.evaluateCheckpoint(checkpoint, spec));
  }

  private async evaluateCheckpoint(checkpoint: CheckpointView, spec: EvaluationSpec): Promise<EvaluationOutcome> {
    const limit = spec.limit ?? this.config.limit;
    const numFewshot = spec.numFewshot ?? this.config.numFewshot;
    const plan = this.catalog.resolve(spec.tasks ?? this.config.tasks, numFewshot);
    const stored = await this.results.resultsOf(checkpoint.id);
    const existing = new Map(stored.results.map((r) => [`${r.task}/${r.metric}`, r]));
    const isDone = (task: string, metrics: readonly string[], settings: EvaluationSettings) =>
      metrics.every((m) => {
        const r = existing.get(`${task}/${m}`);
        return r !== undefined && sameSettings(r.settings, settings);
      });

    const modelDir = checkpoint.hfPath ?? checkpoint.path;
    const lazy = new LazyModel(modelDir, this.config);
    const evaluated: string[] = [];
    const skipped: string[] = [];
    const scores = new Map<string, TaskScore>();
    const here = `${checkpoint.run}@${checkpoint.step}`;
    // A base's files are hashed only once something is left to score, as the model is loaded only then.
    let baseLookup: Promise<Map<string, BaseResult> | undefined> | undefined;
    const baseResults = () => (baseLookup ??= checkpoint.isBase ? modelFingerprint(modelDir).then((f) => this.baseResultsOf(f)) : Promise.resolve(undefined));
    /** Records what another checkpoint of the same base model scored; false when there is none. */
    const reused = async (name: string, settings: EvaluationSettings): Promise<boolean> => {
      const earlier = (await baseResults())?.get(baseKey(name, settings));
      if (!earlier || earlier.checkpointId === checkpoint.id) return false;
      await this.results.recordResults(checkpoint.id, earlier.records);
      if (earlier.score) scores.set(name, earlier.score);
      evaluated.push(name);
      this.log(`${here} ${name}: as scored for ${earlier.from} (the same base model)`);
      return true;
    };
    try {
      for (const task of plan.leaves) {
        const shots = numFewshot ?? task.numFewshot ?? 0;
        const settings = this.settings(shots, limit, task.version);
        if (isDone(task.name, task.metrics, settings)) {
          skipped.push(task.name);
          scores.set(task.name, storedScore(task.name, task.metrics, existing));
          continue;
        }
        if (await reused(task.name, settings)) continue;
        const { model, tokenizer } = await lazy.get();
        const started = Date.now();
        const evaluation = await this.scoreTask(task, shots, limit, model, tokenizer);
        const records = taskRecords(evaluation, settings);
        await this.results.recordResults(checkpoint.id, records);
        (await baseResults())?.set(baseKey(task.name, settings), { checkpointId: checkpoint.id, from: here, records, score: evaluation.score });
        scores.set(task.name, evaluation.score);
        evaluated.push(task.name);
        this.scoredCount++;
        this.log(`${here} ${task.name}: ${formatScore(evaluation.score)} (${Date.now() - started} ms)`);
      }
      for (const group of plan.groups) {
        const settings = this.settings(numFewshot ?? 0, limit, undefined);
        const membersFresh = group.tasks.some((t) => evaluated.includes(t));
        if (!membersFresh && isDone(group.name, group.metrics, settings)) {
          skipped.push(group.name);
          continue;
        }
        const score = aggregateGroup(group, [...scores.values()]);
        await this.results.recordResults(checkpoint.id, scoreRecords(score, settings));
        evaluated.push(group.name);
      }
      for (const set of this.config.heldout) {
        const settings = this.settings(0, set.maxDocuments ?? null, undefined);
        if (isDone(set.name, PERPLEXITY_METRICS, settings)) {
          skipped.push(set.name);
          continue;
        }
        if (await reused(set.name, settings)) continue;
        const { model, tokenizer } = await lazy.get();
        const texts = await readHeldoutTexts(set.path, set.maxDocuments);
        const ppl = await rollingPerplexity(model, tokenizer, texts, { maxLength: this.config.perplexityMaxLength ?? model.maxLength, batchSize: this.config.batchSize });
        const values: Record<(typeof PERPLEXITY_METRICS)[number], number> = {
          token_perplexity: ppl.tokenPerplexity,
          word_perplexity: ppl.wordPerplexity,
          byte_perplexity: ppl.bytePerplexity,
          bits_per_byte: ppl.bitsPerByte,
        };
        const records = PERPLEXITY_METRICS.map((metric) => ({ task: set.name, metric, value: values[metric], stderr: null, n: ppl.documents, settings }));
        await this.results.recordResults(checkpoint.id, records);
        (await baseResults())?.set(baseKey(set.name, settings), { checkpointId: checkpoint.id, from: here, records });
        evaluated.push(set.name);
        this.scoredCount++;
        this.log(`${here} ${set.name}: word perplexity ${ppl.wordPerplexity.toFixed(2)} over ${ppl.documents} documents`);
      }
    } finally {
      await lazy.close();
    }
    return { checkpoint, evaluated, skipped, results: (await this.results.resultsOf(checkpoint.id)).results };
  }

  private baseResultsOf(fingerprint: string): Map<string, BaseResult> {
    let results = this.baseResults.get(fingerprint);
    if (!results) this.baseResults.set(fingerprint, (results = new Map()));
    return results;
  }

  private settings(numFewshot: number, limit: number | null, taskVersion: number | undefined): EvaluationSettings {
    const s: EvaluationSettings = { numFewshot, limit, harnessVersion: this.config.harnessVersion };
    if (taskVersion !== undefined) s.taskVersion = String(taskVersion);
    return s;
  }

  private async scoreTask(task: TaskDefinition, shots: number, limit: number | null, model: ClosableModel, tokenizer: HfTokenizer): Promise<TaskEvaluation> {
    return inSpan('cptflow-evaluator', `evaluate ${task.name}`, {}, async (span) => {
      const started = performance.now();
      const docs = await loadTaskDocs(this.config.taskDataDir, task, { numFewshot: shots });
      if (limit !== null) {
        // lm_eval's --limit: a fraction of the split when < 1 (rounded up), else a document count
        const count = limit < 1 ? Math.ceil(docs.evalDocs.length * limit) : Math.floor(limit);
        docs.evalDocs = docs.evalDocs.slice(0, count);
      }
      const evaluation = await evaluateTaskDocs(task, docs, tokenizer, model, { numFewshot: shots, batchSize: this.config.batchSize });
      const seconds = (performance.now() - started) / 1000;
      span.setAttributes({ 'eval.task': task.name, 'eval.documents': evaluation.samples.length, 'eval.num_fewshot': shots });
      const meter = metrics.getMeter('cptflow');
      meter.createCounter('cptflow.eval.documents', { description: 'documents scored by the evaluator' }).add(evaluation.samples.length, { task: task.name });
      meter.createHistogram('cptflow.eval.task_duration', { description: 'time to score one task of one checkpoint', unit: 's' }).record(seconds, { task: task.name });
      return evaluation;
    });
  }
}

const baseKey = (name: string, settings: EvaluationSettings) => `${name} ${JSON.stringify(settings)}`;

function storedScore(task: string, metrics: readonly MetricName[], existing: Map<string, TaskResultView>): TaskScore {
  const out: TaskScore = { task, n: 0, metrics: {} };
  for (const m of metrics) {
    const r = existing.get(`${task}/${m}`)!;
    out.n = r.n;
    out.metrics[m] = { value: r.value, stderr: r.stderr };
  }
  return out;
}

function taskRecords(evaluation: TaskEvaluation, settings: EvaluationSettings): TaskResultRecord[] {
  return scoreRecords(evaluation.score, settings).map((record) => ({
    ...record,
    samples: evaluation.samples
      // a document whose target is not among its choices (gold -100) counts as wrong in the metric,
      // as in the harness, but has no gold index to store
      .filter((s) => s.gold >= 0)
      .map((s): SampleRecord => {
        const predicted = SAMPLE_PRED[record.metric as MetricName](s);
        const requests = evaluation.docs[s.docIndex].requests.map((r) => ({ context: r.context, continuation: r.continuation }));
        return { docIndex: s.docIndex, predicted, gold: s.gold, correct: predicted === s.gold, logprobs: s.logprobs, requests };
      }),
  }));
}

function scoreRecords(score: TaskScore, settings: EvaluationSettings): TaskResultRecord[] {
  return Object.entries(score.metrics).map(([metric, v]) => ({ task: score.task, metric, value: v!.value, stderr: v!.stderr, n: score.n, settings }));
}

function formatScore(score: TaskScore): string {
  return Object.entries(score.metrics)
    .map(([m, v]) => `${m} ${v!.value.toFixed(4)}${v!.stderr !== null ? ` ± ${v!.stderr.toFixed(4)}` : ''}`)
    .join(', ');
}

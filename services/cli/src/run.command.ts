// `cptflow run`: the whole system in one process on the in-process bus and SQLite — ingest, quality
// filter, dedup, packer, trainer and evaluator — ending with a summary table and an HTML report.
//
// Continued pre-training runs twice over the same domain stream, with and without replay of general
// text, so the report shows what replay does to forgetting (the paper's mitigation) next to how far
// the domain perplexity falls.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { ConfigError, loadConfig, codecFor, CheckpointEvent, createBus, type Bus } from '@cptflow/platform';
import { selectTasks, TaskSelectionError, EvaluatorCore, evaluatorSchema } from '@cptflow/evaluation';
import { HostedStage, LocalPipeline, trainLocally, type LocalTrainingResult } from '@cptflow/local-run';
import { llama2TokenizerDir, loadModelTokenizer } from '@cptflow/data';
import { loadHfModel, ModelConfigError, SafetensorsError } from '@cptflow/model';
import { createResultsApiApp } from '@cptflow/nest-host';
import { pipelineSummaryTable } from './pipeline-summary';
import { benchmarkSummaryTable, collectRunResults, renderRunReport, runSummaryTable, type ArmResult } from './run-report';
import { BUNDLED_BASE_MODEL, BUNDLED_CORPORA, checkCorpusPaths, checkFile, makeOutFolder, parseDocumentLimit, parseNumber, parseTokenCount, UsageError } from './run-options';

const checkpointCodec = codecFor<CheckpointEvent>(CheckpointEvent);

export interface RunOptions {
  domain: string[];
  general: string[];
  minIntScore?: string;
  domainHeldout: string;
  generalHeldout: string;
  baseModel: string;
  tokens: string;
  replay: string;
  seqLen: string;
  lr: string;
  checkpointEvery: string;
  heldoutDocs: string;
  tasks?: string[];
  tasksDir?: string;
  taskLimit?: string;
  out: string;
  compare: boolean;
  serve: boolean;
}

export function runCommand(): Command {
  return new Command('run')
    .description('run the pipeline, trainer and evaluator in one process (no Kafka, database or GPU needed)')
    .option('--domain <paths...>', 'domain corpus to learn (JSONL/.gz/.zst, Parquet, text folders, globs)', [path.join(BUNDLED_CORPORA, 'domain.jsonl.gz')])
    .option('--general <paths...>', 'general corpus mixed in as replay', [path.join(BUNDLED_CORPORA, 'general.jsonl.gz')])
    .option('--min-int-score <n>', "keep only rows with int_score >= n (FineWeb-Edu's educational score; 3 is how FineWeb-Edu is published)")
    .option('--domain-heldout <path>', 'held-out domain text for perplexity', path.join(BUNDLED_CORPORA, 'domain.heldout.jsonl.gz'))
    .option('--general-heldout <path>', 'held-out general text for perplexity (forgetting)', path.join(BUNDLED_CORPORA, 'general.heldout.jsonl.gz'))
    .option('--base-model <dir>', 'HF model directory to continue from (config.json + safetensors)', BUNDLED_BASE_MODEL)
    .option('--tokens <n>', 'tokens of continued pre-training per run, e.g. 200k or 400M', '160k')
    .option('--replay <fraction>', 'share of general text mixed into the domain stream (the paper names 1-5%)', '0.05')
    .option('--seq-len <n>', 'tokens per packed sequence', '256')
    .option('--lr <x>', 'peak learning rate (warmup, then cosine over the budget)', '1e-3')
    .option('--checkpoint-every <n>', 'tokens between checkpoints (each is evaluated)', '40k')
    .option('--heldout-docs <n>', 'held-out documents scored per checkpoint and set', '24')
    .option('--tasks <names...>', 'benchmark tasks to score (needs --tasks-dir): arc_easy arc_challenge hellaswag winogrande boolq piqa mmlu')
    .option('--tasks-dir <dir>', 'task files in their Hugging Face layouts (nothing is downloaded)')
    .option('--task-limit <n>', 'documents per task (a count, or a fraction < 1)')
    .option('--out <dir>', 'where checkpoints, results.sqlite and report.html go', path.join('runs', new Date().toISOString().replace(/[:.]/g, '-')))
    .option('--no-compare', 'skip the second run without replay')
    .option('--serve', 'keep the results API up afterwards (Ctrl-C to stop)', false)
    .action(async (o: RunOptions, command: Command) => {
      try {
        await run(o, command.parent?.opts().config);
      } catch (error) {
        if (!(error instanceof TaskSelectionError || error instanceof ModelConfigError || error instanceof SafetensorsError)) throw error;
        for (const line of error.message.split('\n')) console.error(`cptflow run: ${line}`);
        process.exitCode = 2;
      }
    });
}

async function run(o: RunOptions, configFile: string | undefined): Promise<void> {
  const started = Date.now();
  const n = await checkRunOptions(o, configFile);
  const { seqLen, budget, replayFraction, checkpointEvery } = n;
  const out = n.out;
  const arms = o.compare && replayFraction > 0 ? [{ run: 'cpt-replay', replay: replayFraction }, { run: 'cpt-no-replay', replay: 0 }] : [{ run: replayFraction > 0 ? 'cpt-replay' : 'cpt', replay: replayFraction }];
  console.log(
    [
      `cptflow run: continued pre-training of ${o.baseModel}`,
      `  domain ${o.domain.join(', ')}; replay ${o.general.join(', ')} at ${(replayFraction * 100).toFixed(1)}%`,
      `  ${arms.length} run(s) of ${budget.toLocaleString()} tokens (${arms.map((a) => a.run).join(', ')}), sequences of ${seqLen} tokens, a checkpoint every ${checkpointEvery.toLocaleString()} tokens, each evaluated`,
      `  expect roughly ${estimateMinutes(budget * arms.length)} minutes on two CPU cores; results in ${out}`,
    ].join('\n'),
  );

  // The model's own tokenizer packs, trains and evaluates; a model without one, or one that does not fit, stops here.
  // A user's model is checked where it lies, so the error names the files to fix, not the run's copy;
  // the bundled model's copy, which gets the tokenizer the build generated, is checked once copied.
  const bundled = path.resolve(o.baseModel) === BUNDLED_BASE_MODEL;
  if (!bundled) await loadModelTokenizer(o.baseModel);
  const baseDir = path.join(out, 'base-model');
  copyBaseModel(o.baseModel, baseDir);
  if (bundled) await loadModelTokenizer(baseDir);

  const config = loadConfig({ file: configFile, overrides: { bus: { kind: 'memory' }, stages: { packer: { seqLen, modelDir: baseDir } } } });
  const bus = createBus(config.bus);
  const events = await collectCheckpointEvents(bus, config.topics.checkpoints);

  // 1. The document pipeline.
  const pipeline = await LocalPipeline.start({ config, bus, progress: process.stderr });
  const minIntScore = n.minIntScore;
  for (const p of o.domain) await pipeline.ingest({ path: p, corpus: 'domain', minIntScore });
  for (const p of o.general) await pipeline.ingest({ path: p, corpus: 'replay', minIntScore });
  const counts = await pipeline.settle();
  console.log(`\n${pipelineSummaryTable(counts)}\n`);
  for (const warning of pipeline.warnings()) console.warn(`warning: ${warning}`);

  // 2. The evaluator, on the same bus: every checkpoint event is scored (and each run's base once).
  const apiToken = randomBytes(18).toString('base64url');
  const evaluatorConfig = evaluatorSchema.parse({
    tasks: o.tasks ?? [], // resolved as above: "mmlu" and its categories score the subjects whose files are present
    taskDataDir: o.tasksDir ?? path.join(out, 'no-tasks'),
    limit: n.taskLimit ?? null,
    heldout: [
      { name: 'heldout_domain', path: o.domainHeldout, maxDocuments: n.heldoutDocs },
      { name: 'heldout_general', path: o.generalHeldout, maxDocuments: n.heldoutDocs },
    ],
    perplexityMaxLength: seqLen,
    baseModelDir: baseDir,
    apiTokens: [apiToken],
    sqlitePath: path.join(out, 'results.sqlite'),
  });
  const evaluator = await EvaluatorCore.open({ config, evaluator: evaluatorConfig, bus, log: (m) => console.log(`[evaluator] ${m}`) });
  const checkpointStage = await HostedStage.start(evaluator.stage.asStage(), bus, config);
  await evaluator.start(config.bus.partitions);
  // --serve: the results API and the live dashboard, up while the run goes on
  const http = o.serve
    ? await createResultsApiApp({ results: evaluator.store.results, telemetry: evaluator.store.telemetry, trigger: evaluator.queue, apiTokens: [apiToken], dashboardPollMs: evaluatorConfig.dashboardPollMs })
    : undefined;
  await http?.listen(config.http.port, config.http.host);

  // 3. Continued pre-training, with and without replay, over the same domain stream.
  const results: ArmResult[] = [];
  const tokensPerStep = 8 * seqLen;
  for (const arm of arms) {
    const totalSteps = Math.ceil(budget / tokensPerStep);
    const training: LocalTrainingResult = await trainLocally({
      run: arm.run,
      bus,
      topics: config.topics,
      model: { kind: 'base', dir: baseDir },
      tokenizer: pipeline.tokenizer,
      seqLen,
      batchRows: 8,
      tokensPerStep,
      schedule: { kind: 'cosine', peakLr: n.lr, warmupSteps: Math.max(1, Math.round(totalSteps / 20)), totalSteps, minLrRatio: 0.1 },
      replayFraction: arm.replay,
      checkpointDir: path.join(out, 'checkpoints', arm.run),
      checkpointEveryTokens: checkpointEvery,
      maxTokens: budget,
      log: (line) => console.log(line),
    });
    results.push({ run: arm.run, replay: arm.replay, training });
  }
  await pipeline.stop();

  // 4. Wait for the evaluator to score every checkpoint, then report.
  const expected = events.filter((e) => !e.isBase).length; // a run's base is announced too, and evaluated once
  const runResults = await collectRunResults(evaluator.store.results, arms.map((a) => a.run), expected, ['heldout_domain', 'heldout_general']);
  const reportFile = path.join(out, 'report.html');
  fs.writeFileSync(reportFile, await renderRunReport(evaluator.store, results, `cptflow run: continued pre-training of ${path.basename(o.baseModel)}`));
  console.log(`\n${runSummaryTable(results, runResults)}\n`);
  const benchmarks = benchmarkSummaryTable(runResults);
  if (benchmarks) console.log(`${benchmarks}\n`);
  console.log(`report: ${reportFile}\nresults database: ${evaluatorConfig.sqlitePath}\ndone in ${((Date.now() - started) / 60000).toFixed(1)} minutes`);

  if (http) {
    const url = await http.getUrl();
    console.log(`dashboard: ${url}/\nresults API: ${url} (OpenAPI at ${url}/api/docs; POST needs "Authorization: Bearer ${apiToken}"). Ctrl-C to stop.`);
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    await http.close();
  }
  await evaluator.stopWork();
  await checkpointStage.stopConsuming();
  await evaluator.store.close();
  await bus.close();
}

/**
 * Every option checked before any work: a bad number or a path that is not there stops the run at once
 * with a UsageError naming the option (exit 2), not minutes later or with a NaN learning rate.
 */
async function checkRunOptions(o: RunOptions, configFile: string | undefined) {
  // the configuration file too (a ConfigError, exit 2), before the base model is copied into --out
  loadConfig({ file: configFile, overrides: { bus: { kind: 'memory' } } });
  const checked = {
    seqLen: parseNumber('--seq-len', o.seqLen, { integer: true, atLeast: 8 }, 'a whole number >= 8'),
    budget: parseTokenCount(o.tokens, '--tokens'),
    replayFraction: parseNumber('--replay', o.replay, { atLeast: 0, below: 1 }, 'a fraction in [0, 1), e.g. 0.05'),
    lr: parseNumber('--lr', o.lr, { above: 0 }, 'a positive number, e.g. 1e-3'),
    checkpointEvery: parseTokenCount(o.checkpointEvery, '--checkpoint-every'),
    heldoutDocs: parseNumber('--heldout-docs', o.heldoutDocs, { integer: true, atLeast: 1 }, 'a whole number >= 1'),
    taskLimit: o.taskLimit === undefined ? undefined : parseDocumentLimit('--task-limit', o.taskLimit),
    minIntScore: o.minIntScore === undefined ? undefined : parseNumber('--min-int-score', o.minIntScore, {}, 'a number, e.g. 3'),
  };
  if (o.tasks?.length && !o.tasksDir) throw new UsageError('--tasks needs --tasks-dir (task files are read locally, never downloaded)');
  // every task file is checked before any work: each missing one is named, with the paths tried
  if (o.tasks?.length) selectTasks(o.tasks, { dataRoot: o.tasksDir!, numFewshot: 0 });
  if (!fs.existsSync(path.join(o.baseModel, 'config.json'))) {
    throw new ConfigError(`no base model at ${o.baseModel} (config.json missing); pass --base-model, or make one with \`cptflow pretrain\``);
  }
  // The base model loads whole (config, every weight's shape, finite values) before minutes of pipeline work, not after.
  await loadHfModel(o.baseModel);
  await checkCorpusPaths('--domain', o.domain);
  await checkCorpusPaths('--general', o.general);
  checkFile('--domain-heldout', o.domainHeldout);
  checkFile('--general-heldout', o.generalHeldout);
  return { ...checked, out: makeOutFolder('--out', o.out) };
}

/**
 * The base model copied into the run's folder (weights, config, tokenizer). The bundled model ships
 * without its tokenizer files because the build generates the same LLaMA-2 tokenizer
 * (data/models/cptflow-tiny-base/README.md); any other model must bring its own.
 */
function copyBaseModel(from: string, to: string): void {
  fs.rmSync(to, { recursive: true, force: true });
  fs.cpSync(from, to, { recursive: true });
  if (path.resolve(from) === BUNDLED_BASE_MODEL && !fs.existsSync(path.join(to, 'tokenizer.json'))) {
    for (const file of ['tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(llama2TokenizerDir(), file), path.join(to, file));
  }
}

/** Checkpoint events as the trainer publishes them (the report waits until each is evaluated). */
async function collectCheckpointEvents(bus: Bus, topic: string): Promise<CheckpointEvent[]> {
  const events: CheckpointEvent[] = [];
  await bus.ensureTopics([topic]);
  await bus.consume({
    groupId: 'cptflow.run.checkpoint-events',
    topics: [topic],
    handler: async (batch) => {
      for (const record of batch.records) events.push(checkpointCodec.decode(record.value));
      return [];
    },
  });
  return events;
}

/**
 * About 2,000 training tokens/s on two cores, with each checkpoint's evaluation running beside the
 * training, plus a minute for the pipeline and the last evaluations: fitted to the defaults (2 runs x
 * 160k tokens), which took 3.6 minutes, so the estimate, README.md's "about 4 minutes" and a run agree.
 */
function estimateMinutes(tokens: number): string {
  const minutes = 1 + tokens / 2000 / 60;
  return minutes < 2 ? 'two' : `${Math.round(minutes)}`;
}

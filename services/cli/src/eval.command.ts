// `cptflow eval`: evaluate a model directory on benchmark tasks without training. Prints the
// harness's results table; with --out writes lm-evaluation-harness's results JSON and --log_samples
// JSONL. The work is libs/evaluation/src/eval-engine's evaluateModelDir; this file parses options and reports.
import { Command } from 'commander';
import {
  evaluateModelDir,
  harnessDateId,
  harnessTable,
  TaskDataError,
  TaskSelectionError,
  writeHarnessOutput,
} from '@cptflow/evaluation';
import { ModelConfigError, ModelDirError, SafetensorsError } from '@cptflow/model';
import { llama2TokenizerDir } from '@cptflow/data';
import { makeOutFolder, UsageError } from './run-options';

interface EvalOptions {
  model: string;
  tasks: string[];
  tasksDir: string;
  limit?: string;
  numFewshot: string;
  batchSize: string;
  out?: string;
}

export function evalCommand(): Command {
  return new Command('eval')
    .description('evaluate a model on benchmark tasks, the lm-evaluation-harness way, without training')
    .requiredOption('--model <dir>', 'Hugging Face model directory (config.json + safetensors; tokenizer.json if it has its own)')
    .requiredOption('--tasks <names...>', 'arc_easy arc_challenge hellaswag winogrande boolq piqa, mmlu, mmlu_<category>, mmlu_<subject>')
    .requiredOption('--tasks-dir <dir>', 'task files: hub snapshot layout (<org>/<name>/<config>/<split>-*.parquet), the hub cache, or <task>/<split>.jsonl')
    .option('--limit <n>', 'documents per task: a count, or a fraction < 1 of each split')
    .option('--num-fewshot <k>', 'few-shot examples per prompt (the harness picks and seeds them)', '0')
    .option('--batch-size <n>', 'requests per scoring batch', '32')
    .option('--out <dir>', "write results_<date>.json and samples_<task>_<date>.jsonl under <dir>/<model>/, as the harness's --output_path --log_samples")
    .action(async (o: EvalOptions) => {
      try {
        await evaluate(o);
      } catch (error) {
        const reported =
          error instanceof UsageError || error instanceof TaskSelectionError || error instanceof TaskDataError ||
          error instanceof ModelDirError || error instanceof ModelConfigError || error instanceof SafetensorsError;
        if (!reported) throw error;
        for (const line of error.message.split('\n')) console.error(`cptflow eval: ${line}`);
        process.exitCode = 2;
      }
    });
}

function count(name: string, text: string, options: { fraction?: boolean } = {}): number {
  const value = Number(text);
  const ok = options.fraction ? value > 0 && (value < 1 || Number.isInteger(value)) : Number.isInteger(value) && value >= 0;
  if (!ok) throw new UsageError(`${name} must be ${options.fraction ? 'a positive count or a fraction < 1' : 'a whole number ≥ 0'}, got "${text}"`);
  return value;
}

async function evaluate(o: EvalOptions): Promise<void> {
  const numFewshot = count('--num-fewshot', o.numFewshot);
  const batchSize = count('--batch-size', o.batchSize);
  if (batchSize < 1) throw new UsageError(`--batch-size must be at least 1, got "${o.batchSize}"`);
  const limit = o.limit === undefined ? undefined : count('--limit', o.limit, { fraction: true });
  const out = o.out === undefined ? undefined : makeOutFolder('--out', o.out);
  const started = Date.now();
  const evaluation = await evaluateModelDir({
    modelDir: o.model,
    tasks: o.tasks,
    dataRoot: o.tasksDir,
    numFewshot,
    limit,
    batchSize,
    fallbackTokenizerDir: llama2TokenizerDir(),
    log: (line) => console.error(`[eval] ${line}`),
  });
  if (evaluation.tokenizerDir !== o.model) console.error(`[eval] ${o.model} has no tokenizer.json: used the LLaMA-2 tokenizer`);
  const missing = evaluation.selection.missingInGroups;
  for (const [group, absent] of Object.entries(missing)) {
    if (group !== 'mmlu' && missing.mmlu) continue; // mmlu's line already names its categories' subjects
    const total = evaluation.selection.groups.find((g) => g.name === group)!.tasks.length;
    console.error(`[eval] ${group}: scored over the ${total - absent.length} of ${total} subjects present (as the harness aggregates a group); no data for: ${absent.join(' ')}`);
  }
  console.log(harnessTable(evaluation.results));
  if (evaluation.results.groups) console.log(harnessTable(evaluation.results, 'groups'));
  if (out) {
    const written = writeHarnessOutput(out, evaluation.results, evaluation.samples, harnessDateId(started));
    console.log(`results: ${written.resultsFile}`);
    console.log(`samples: ${written.sampleFiles.length} file(s) beside it`);
  }
}

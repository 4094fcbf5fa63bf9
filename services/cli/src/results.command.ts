// `cptflow results`: every task's score per checkpoint and its change against the base model, read
// from a results database (what `cptflow run` leaves in runs/<time>/results.sqlite, or PostgreSQL) or
// from a running evaluator's API. The reading and the deltas are libs/results/src/results-store's
// resultsOverview; this file picks the source and prints.
import * as fs from 'node:fs';
import { Command } from 'commander';
import {
  renderTextTable,
  type Table,
  openResultsStore,
  ResultsApiClient,
  ResultsError,
  resultsOverview,
  type OverviewRow,
  type ResultsReader,
} from '@cptflow/results';

interface ResultsOptions {
  api?: string;
  db?: string;
  run?: string;
  task?: string;
  samples?: string;
}

export function resultsCommand(): Command {
  return new Command('results')
    .description("each task's score per checkpoint and the change against the base model")
    .option('--api <url>', "a running evaluator's results API, e.g. http://127.0.0.1:8080")
    .option('--db <file>', 'a results database: a SQLite file (runs/<time>/results.sqlite) or a postgres:// URL')
    .option('--run <name>', 'only this run')
    .option('--task <name>', 'only this task (e.g. arc_easy, mmlu, heldout_domain)')
    .option('--samples <n>', "with --task: also print the first n stored samples of each run's last checkpoint, with their prompt and continuation text")
    .action(async (o: ResultsOptions) => {
      try {
        await showResults(o);
      } catch (error) {
        if (!(error instanceof ResultsError)) throw error;
        console.error(`cptflow results: ${error.message}`);
        process.exitCode = 2;
      }
    });
}

async function showResults(o: ResultsOptions): Promise<void> {
  if (Boolean(o.api) === Boolean(o.db)) throw ResultsError.invalid('give one source: --api URL or --db FILE');
  const samples = o.samples === undefined ? 0 : Number(o.samples);
  if (!(Number.isInteger(samples) && samples >= 0)) throw ResultsError.invalid(`--samples must be a whole number, got "${o.samples}"`);
  if (samples > 0 && !o.task) throw ResultsError.invalid('--samples needs --task');
  if (o.api) {
    await print(new ResultsApiClient(o.api), o, samples);
    return;
  }
  const db = o.db!;
  const isUrl = /^postgres(ql)?:\/\//.test(db);
  if (!isUrl && !fs.existsSync(db)) throw ResultsError.invalid(`no results database at ${db}`);
  if (!isUrl && !fs.statSync(db).isFile()) throw ResultsError.invalid(`--db ${db} is a folder, not a results database file`);
  const store = await openResultsStore(isUrl ? { databaseUrl: db } : { sqlitePath: db }).catch((error: Error) => {
    if (error instanceof ResultsError) throw error; // it names the file already (one that is no SQLite database)
    throw ResultsError.invalid(`cannot open ${isUrl ? 'the results database' : db} as a results database: ${error.message}`);
  });
  try {
    await print(store.results, o, samples);
  } finally {
    await store.close();
  }
}

async function print(reader: ResultsReader, o: ResultsOptions, samples: number): Promise<void> {
  const rows = await resultsOverview(reader, { run: o.run, task: o.task });
  if (rows.length === 0) {
    console.log(`no results${o.run ? ` for run ${o.run}` : ''}${o.task ? ` of task ${o.task}` : ''}`);
    return;
  }
  for (const table of overviewTables(rows)) console.log(`${renderTextTable(table)}\n`);
  if (samples > 0) await printSamples(reader, rows, o.task!, samples);
}

/** One table per run: checkpoint, tokens, task, metric, value ± stderr, n, shots, change against the base. */
export function overviewTables(rows: readonly OverviewRow[]): Table[] {
  const runs = [...new Set(rows.map((r) => r.run))];
  return runs.map((run) => ({
    title: `${run}: scores per checkpoint (Δ = change against the base model)`,
    columns: ['checkpoint', 'tokens', 'task', 'metric', 'value', '± stderr', 'n', 'shots', 'Δ vs base'],
    rows: rows
      .filter((r) => r.run === run)
      .map((r) => [
        r.isBase ? 'base' : `step ${r.step}`,
        r.tokensSeen,
        r.task,
        r.metric,
        r.value,
        r.stderr === null ? 'n/a' : r.stderr.toFixed(4),
        r.n,
        r.numFewshot,
        r.delta === null ? '' : `${r.delta >= 0 ? '+' : ''}${r.delta.toFixed(4)}`,
      ]),
  }));
}

async function printSamples(reader: ResultsReader, rows: readonly OverviewRow[], task: string, count: number): Promise<void> {
  for (const run of new Set(rows.map((r) => r.run))) {
    const last = rows.filter((r) => r.run === run).at(-1)!;
    const page = await reader.samplesOf(last.checkpointId, task, last.metric, 1, count);
    console.log(`${run} ${last.isBase ? 'base' : `step ${last.step}`}: ${task}/${last.metric}, first ${page.items.length} of ${page.total} samples`);
    for (const s of page.items) {
      console.log(`  doc ${s.docIndex}: predicted ${s.predicted}, gold ${s.gold} (${s.correct ? 'correct' : 'wrong'})`);
      s.logprobs.forEach((ll, i) => {
        const request = s.requests?.[i];
        const text = request ? `${JSON.stringify(request.context.slice(-120))} + ${JSON.stringify(request.continuation)}` : '(text not recorded)';
        console.log(`    ${i === s.predicted ? '>' : ' '} ${ll.toFixed(4)}  ${text}`);
      });
    }
  }
}

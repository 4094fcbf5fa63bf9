// `cptflow run`: the whole system in one process on the in-process bus.
import * as path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../../../libs/config/src/load';
import { LocalPipeline } from '../../../libs/local-run/src';
import { createBus } from '../../../libs/transport/src/create-bus';
import { pipelineSummaryTable } from './pipeline-summary';
import { BUNDLED_CORPORA as BUNDLED } from './run-options';


export interface RunOptions {
  domain: string[];
  general: string[];
}

export function runCommand(): Command {
  return new Command('run')
    .description('run the pipeline, trainer and evaluator in one process (no Kafka or database needed)')
    .option('--domain <paths...>', 'domain corpus to learn (files, folders, globs)', [path.join(BUNDLED, 'domain.jsonl.gz')])
    .option('--general <paths...>', 'general corpus mixed in as replay', [path.join(BUNDLED, 'general.jsonl.gz')])
    .action(async (options: RunOptions, command: Command) => {
      const config = loadConfig({ file: command.parent?.opts().config, overrides: { bus: { kind: 'memory' } } });
      const bus = createBus(config.bus);
      const started = Date.now();
      const pipeline = await LocalPipeline.start({ config, bus, progress: process.stderr });
      for (const p of options.domain) await pipeline.ingest({ path: p, corpus: 'domain' });
      for (const p of options.general) await pipeline.ingest({ path: p, corpus: 'replay' });
      const counts = await pipeline.settle();
      console.log(pipelineSummaryTable(counts));
      console.log(`pipeline settled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      await pipeline.stop();
      await bus.close();
    });
}

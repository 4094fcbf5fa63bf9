#!/usr/bin/env node
// The cptflow command line: `cptflow run` (the whole system in one process), `cptflow eval`,
// `cptflow results`, `cptflow ingest`.
import 'reflect-metadata';
import { Command } from 'commander';
import { ConfigError } from '@cptflow/platform';
import { colorsOnlyOnTerminals } from '@cptflow/nest-host';
import { runCommand } from './run.command';
import { evalCommand } from './eval.command';
import { resultsCommand } from './results.command';
import { ingestCommand } from './ingest.command';
import { pretrainCommand } from './pretrain.command';

colorsOnlyOnTerminals();

const program = new Command('cptflow')
  .description('Streaming domain-adaptive continued pre-training of small LLaMA-style models')
  .option('-c, --config <file>', 'JSON configuration file (also $CPTFLOW_CONFIG)');

program.addCommand(runCommand());
program.addCommand(evalCommand());
program.addCommand(resultsCommand());
program.addCommand(ingestCommand());
program.addCommand(pretrainCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`cptflow: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});

#!/usr/bin/env node
// The cptflow command line: `cptflow run` (the whole system in one process), `cptflow eval`,
// `cptflow results`, `cptflow ingest`.
import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '@cptflow/platform';
import { IngestSourceError } from '@cptflow/data';
import { colorsOnlyOnTerminals } from '@cptflow/nest-host';
import { runCommand } from './run.command';
import { evalCommand } from './eval.command';
import { resultsCommand } from './results.command';
import { ingestCommand } from './ingest.command';
import { pretrainCommand } from './pretrain.command';
import { UsageError } from './run-options';

colorsOnlyOnTerminals();

const program = new Command('cptflow')
  .description('Streaming domain-adaptive continued pre-training of small LLaMA-style models')
  .option('-c, --config <file>', 'JSON configuration file (also $CPTFLOW_CONFIG)');

program.addCommand(runCommand());
program.addCommand(evalCommand());
program.addCommand(resultsCommand());
program.addCommand(ingestCommand());
program.addCommand(pretrainCommand());
// Commander reports an unknown option, a missing value or an invalid argument itself; it then throws
// here instead of exiting 1, so every usage mistake leaves with status 2 (added commands do not
// inherit the override, hence each one).
for (const command of [program, ...program.commands]) command.exitOverride();

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2); // --help and --version exit 0
  if (error instanceof ConfigError || error instanceof UsageError || error instanceof IngestSourceError) {
    console.error(`cptflow: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});

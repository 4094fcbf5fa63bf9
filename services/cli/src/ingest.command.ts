// `cptflow ingest <path|glob>`: read files into the configured bus's raw topic (Kafka in a deployment).
import { Command } from 'commander';
import { loadConfig } from '../../../libs/config/src/load';
import { deadLetterTopic } from '../../../libs/contracts/src';
import { ingestToBus } from '../../../libs/ingest/src';
import { createBus } from '../../../libs/transport/src/create-bus';

export function ingestCommand(): Command {
  return new Command('ingest')
    .description('ingest JSONL (.gz/.zst), Parquet or text folders into the raw document topic')
    .argument('<paths...>', 'files, folders or globs')
    .option('--corpus <name>', '"domain" (learned) or "replay" (general data against forgetting)', 'domain')
    .action(async (paths: string[], options: { corpus: string }, command: Command) => {
      const config = loadConfig({ file: command.parent?.opts().config });
      const bus = createBus(config.bus);
      try {
        await bus.ensureTopics([config.topics.docsRaw], config.bus.partitions);
        for (const path of paths) {
          const summary = await ingestToBus(path, bus, {
            topics: { raw: config.topics.docsRaw, deadLetter: deadLetterTopic('ingest', config.topics.deadLetterPrefix) },
            reader: { corpus: options.corpus },
            progress: process.stderr,
          });
          console.log(`${path}: ${summary.documents} documents, ${summary.deadLetters} dead letters from ${summary.files} files`);
        }
      } finally {
        await bus.close();
      }
    });
}

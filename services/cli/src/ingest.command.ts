// `cptflow ingest <path|glob>`: read files into the configured bus's raw topic (Kafka in a deployment).
import { Command, Option } from 'commander';
import { loadConfig, deadLetterTopic, createBus } from '@cptflow/platform';
import { CORPORA, GlobError, IngestSourceError, ingestToBus } from '@cptflow/data';
import { parseNumber } from './run-options';

export function ingestCommand(): Command {
  return new Command('ingest')
    .description('ingest JSONL (.gz/.zst), Parquet or text folders into the raw document topic')
    .argument('<paths...>', 'files, folders or globs')
    .addOption(new Option('--corpus <name>', '"domain" (learned) or "replay" (general data against forgetting)').choices(CORPORA).default('domain'))
    .option('--min-int-score <n>', "keep only rows with int_score >= n (FineWeb-Edu's educational score); the rest go to the rejected topic", (v) =>
      parseNumber('--min-int-score', v, {}, 'a number, e.g. 3'),
    )
    .action(async (paths: string[], options: { corpus: string; minIntScore?: number }, command: Command) => {
      const config = loadConfig({ file: command.parent?.opts().config });
      const bus = createBus(config.bus);
      try {
        await bus.ensureTopics([config.topics.docsRaw, config.topics.docsRejected], config.bus.partitions);
        for (const path of paths) {
          const summary = await ingestToBus(path, bus, {
            topics: { raw: config.topics.docsRaw, deadLetter: deadLetterTopic('ingest', config.topics.deadLetterPrefix), rejected: config.topics.docsRejected },
            reader: { corpus: options.corpus, minIntScore: options.minIntScore },
            progress: process.stderr,
          });
          const rejected = options.minIntScore === undefined ? '' : `, ${summary.rejected} rejected (int_score < ${options.minIntScore})`;
          console.log(`${path}: ${summary.documents} documents${rejected}, ${summary.deadLetters} dead letters from ${summary.files} files`);
        }
      } catch (error) {
        // A path that names nothing, or a glob past its limits, is the user's to fix: one line, exit 2.
        if (!(error instanceof IngestSourceError || error instanceof GlobError)) throw error;
        console.error(`cptflow ingest: ${error.message}`);
        process.exitCode = 2;
      } finally {
        await bus.close();
      }
    });
}

// The ingest service's settings (config section `stages.ingest`, schema in libs/ingest), validated at start.
import { parseOrExplain } from '../../../libs/config/src/load';
import { requireDirectory } from '../../../libs/config/src/paths';
import type { CptflowConfig } from '../../../libs/config/src/schema';
import { deadLetterTopic } from '../../../libs/contracts/src';
import { ingestSettingsSchema, type IngestHttpConfig } from '../../../libs/ingest/src';

export function ingestHttpConfig(config: CptflowConfig, env: NodeJS.ProcessEnv = process.env): IngestHttpConfig {
  const section = { ...(config.stages.ingest as Record<string, unknown> | undefined) };
  if (env.CPTFLOW_INGEST_TOKEN && section.token === undefined) section.token = env.CPTFLOW_INGEST_TOKEN;
  const settings = parseOrExplain(ingestSettingsSchema, section, 'stages.ingest');
  settings.roots.forEach((root, i) => requireDirectory(root, `stages.ingest.roots[${i}]`));
  return {
    token: settings.token,
    roots: settings.roots,
    maxUploadBytes: settings.maxUploadBytes,
    maxUploadDecompressedBytes: settings.maxUploadDecompressedBytes,
    reader: {
      maxExpansionRatio: settings.maxExpansionRatio,
      maxDecompressedBytes: settings.maxDecompressedBytes,
      maxNestingDepth: settings.maxNestingDepth,
      minIntScore: settings.minIntScore,
    },
    topics: { raw: config.topics.docsRaw, deadLetter: deadLetterTopic('ingest', config.topics.deadLetterPrefix), rejected: config.topics.docsRejected },
  };
}

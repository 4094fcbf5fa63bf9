// The ingest service's settings (config section `stages.ingest`, schema in libs/data/src/ingest), validated at start.
import { parseOrExplain, requireDirectory, type CptflowConfig, deadLetterTopic } from '@cptflow/platform';
import { ingestSettingsSchema, type IngestHttpConfig } from '@cptflow/data';

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

// The ingest service's settings (config section `stages.ingest`), validated at start.
import { z } from 'zod';
import { parseOrExplain } from '../../../libs/config/src/load';
import type { CptflowConfig } from '../../../libs/config/src/schema';
import { deadLetterTopic } from '../../../libs/contracts/src';
import type { IngestHttpConfig } from '../../../libs/ingest/src';

export const ingestSettingsSchema = z
  .object({
    /** Bearer token for the HTTP endpoints; also read from CPTFLOW_INGEST_TOKEN. At least 16 characters. */
    token: z.string().min(16, 'the ingest token must be at least 16 characters'),
    /** Server-side folders the path endpoint may read; nothing outside them is opened. */
    roots: z.array(z.string().min(1)).default([]),
    maxUploadBytes: z.number().int().min(1).default(256 * 1024 * 1024),
  })
  .strict();

export function ingestHttpConfig(config: CptflowConfig, env: NodeJS.ProcessEnv = process.env): IngestHttpConfig {
  const section = { ...(config.stages.ingest as Record<string, unknown> | undefined) };
  if (env.CPTFLOW_INGEST_TOKEN && section.token === undefined) section.token = env.CPTFLOW_INGEST_TOKEN;
  const settings = parseOrExplain(ingestSettingsSchema, section, 'stages.ingest');
  return {
    token: settings.token,
    roots: settings.roots,
    maxUploadBytes: settings.maxUploadBytes,
    topics: { raw: config.topics.docsRaw, deadLetter: deadLetterTopic('ingest', config.topics.deadLetterPrefix) },
  };
}

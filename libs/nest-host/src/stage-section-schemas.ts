// The schema of every stage section, so that every service checks every section at start (a typo in
// `stages.dedup` stops the ingest service too). Each schema lives in the lib of the stage it configures.
import { loadConfig, type LoadOptions } from '../../config/src/load';
import type { CptflowConfig } from '../../config/src/schema';
import { checkStageSections, type StageSectionSchemas } from '../../config/src/stage-sections';
import { ingestSettingsSchema } from '../../ingest/src/ingest-settings';
import { dedupSettingsSchema, packerSettingsSchema, qualitySettingsSchema } from '../../pipeline-stages/src/stage-settings';
import { trainerSettingsSchema } from '../../trainer/src/trainer-settings';
import { evaluatorSchema } from '../../eval-engine/src/evaluator/evaluator.config';

export const STAGE_SECTION_SCHEMAS: StageSectionSchemas = {
  ingest: ingestSettingsSchema,
  qualityFilter: qualitySettingsSchema,
  dedup: dedupSettingsSchema,
  packer: packerSettingsSchema,
  trainer: trainerSettingsSchema,
  evaluator: evaluatorSchema,
};

/** A service's configuration: loaded and validated, every stage section included (see libs/config's checkStageSections). */
export function loadServiceConfig(options: LoadOptions = {}): CptflowConfig {
  const config = loadConfig(options);
  checkStageSections(config, STAGE_SECTION_SCHEMAS);
  return config;
}

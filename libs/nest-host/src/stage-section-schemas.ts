// The schema of every stage section, so that every service checks every section at start (a typo in
// `stages.dedup` stops the ingest service too). Each schema lives in the lib of the stage it configures.
import {
  loadConfig,
  type LoadOptions,
  type CptflowConfig,
  checkStageSections,
  type StageSectionSchemas,
} from '@cptflow/platform';
import { ingestSettingsSchema, dedupSettingsSchema, packerSettingsSchema, qualitySettingsSchema } from '@cptflow/data';
import { trainerSettingsSchema } from '@cptflow/training';
import { evaluatorSchema } from '@cptflow/evaluation';

export const STAGE_SECTION_SCHEMAS: StageSectionSchemas = {
  ingest: ingestSettingsSchema,
  qualityFilter: qualitySettingsSchema,
  dedup: dedupSettingsSchema,
  packer: packerSettingsSchema,
  trainer: trainerSettingsSchema,
  evaluator: evaluatorSchema,
};

/** A service's configuration: loaded and validated, every stage section included (see libs/platform/src/config's checkStageSections). */
export function loadServiceConfig(options: LoadOptions = {}): CptflowConfig {
  const config = loadConfig(options);
  checkStageSections(config, STAGE_SECTION_SCHEMAS);
  return config;
}

// Every service checks every stage section, not only its own: one configuration file (or environment)
// often serves several services, and a typo inside `stages.dedup` should stop the ingest service too
// rather than wait, unnoticed, for the dedup service to be deployed. The schemas themselves live in the
// libs that own each stage; this module only applies them.
import type { z } from 'zod';
import { ConfigError } from './load';
import { STAGE_SECTIONS, type CptflowConfig } from './schema';

export type StageSection = (typeof STAGE_SECTIONS)[number];

/** A schema per stage section; `undefined` for a section whose schema only its own service knows. */
export type StageSectionSchemas = Record<StageSection, z.ZodTypeAny | undefined>;

/**
 * Checks each present stage section against its schema: unknown settings and bad values are refused.
 * A missing required setting is left to the owning service, since it may come from that service's own
 * environment (CPTFLOW_INGEST_TOKEN, EVALUATOR_API_TOKEN), and so are the files and folders a setting
 * names (they may exist only where the owner runs).
 */
export function checkStageSections(config: CptflowConfig, schemas: StageSectionSchemas): void {
  const problems: string[] = [];
  for (const name of STAGE_SECTIONS) {
    const section = config.stages[name];
    const schema = schemas[name];
    if (section === undefined || schema === undefined) continue;
    const result = schema.safeParse(section);
    if (result.success) continue;
    for (const issue of result.error.issues) {
      if (isMissingValue(issue)) continue;
      problems.push(`  - ${['stages', name, ...issue.path].join('.')}: ${issue.message}`);
    }
  }
  if (problems.length) throw new ConfigError(`invalid stage settings (every service checks every stage section):\n${problems.join('\n')}`);
}

function isMissingValue(issue: z.ZodIssue): boolean {
  return issue.code === 'invalid_type' && issue.received === 'undefined';
}

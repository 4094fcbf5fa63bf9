import type { DynamicModule } from '@nestjs/common';
import type { CptflowConfig, Bus } from '@cptflow/platform';
import { createQualityStage, openDocumentScorer, qualitySettings, type QualityPipelineConfig } from '@cptflow/data';
import { StageHostModule } from '@cptflow/nest-host';
import { QualityFilterController } from './quality-filter.controller';

/** docs.raw -> docs.filtered | docs.rejected. Settings: `stages.qualityFilter.filters` and the optional `stages.qualityFilter.scorer`. */
export async function qualityFilterModule(config: CptflowConfig, bus: Bus): Promise<DynamicModule> {
  const settings = qualitySettings(config);
  // Before Nest starts, so files that are no classifier are exit 2 naming the setting (libs/nest-host's main).
  const scorer = await openDocumentScorer(settings);
  return StageHostModule.register({
    config,
    bus,
    controller: QualityFilterController,
    createStage: () => createQualityStage({ topics: config.topics, filters: settings.filters as QualityPipelineConfig, scorer }),
  });
}

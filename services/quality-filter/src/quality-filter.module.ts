import type { DynamicModule } from '@nestjs/common';
import type { CptflowConfig, Bus } from '@cptflow/platform';
import { createQualityStage, openDocumentScorer, qualitySettings, type QualityPipelineConfig } from '@cptflow/data';
import { StageHostModule } from '@cptflow/nest-host';
import { QualityFilterController } from './quality-filter.controller';

/** docs.raw -> docs.filtered | docs.rejected. Settings: `stages.qualityFilter.filters` and the optional `stages.qualityFilter.scorer`. */
export function qualityFilterModule(config: CptflowConfig, bus: Bus): DynamicModule {
  const settings = qualitySettings(config);
  return StageHostModule.register({
    config,
    bus,
    controller: QualityFilterController,
    createStage: async () =>
      createQualityStage({ topics: config.topics, filters: settings.filters as QualityPipelineConfig, scorer: await openDocumentScorer(settings) }),
  });
}

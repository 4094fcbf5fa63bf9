import type { DynamicModule } from '@nestjs/common';
import type { CptflowConfig } from '../../../libs/config/src/schema';
import { createQualityStage, openDocumentScorer, qualitySettings } from '../../../libs/pipeline-stages/src';
import type { QualityPipelineConfig } from '../../../libs/quality/src';
import { StageHostModule } from '../../../libs/service-host/src';
import type { Bus } from '../../../libs/transport/src/bus';
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

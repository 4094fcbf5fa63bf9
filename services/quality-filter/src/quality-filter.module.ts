import type { DynamicModule } from '@nestjs/common';
import type { CptflowConfig, Bus } from '@cptflow/platform';
import { createQualityStage, openDocumentScorer, qualitySettings, type QualityPipelineConfig } from '@cptflow/data';
import { StageHostModule } from '@cptflow/nest-host';
import { QualityFilterController } from './quality-filter.controller';

/** docs.raw -> docs.filtered | docs.rejected. Settings: `stages.qualityFilter.filters` and the optional `stages.qualityFilter.scorer`. */
export async function qualityFilterModule(config: CptflowConfig, bus: Bus): Promise<DynamicModule> {
  const settings = qualitySettings(config);
  // Opened before Nest builds the module, so a scorer model that cannot be loaded is exit 2 in one line.
  const scorer = await openDocumentScorer(settings);
  return StageHostModule.register({
    config,
    bus,
    controller: QualityFilterController,
    createStage: () => createQualityStage({ topics: config.topics, filters: settings.filters as QualityPipelineConfig, scorer }),
  });
}

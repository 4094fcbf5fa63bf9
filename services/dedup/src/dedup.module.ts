import type { DynamicModule } from '@nestjs/common';
import type { CptflowConfig } from '../../../libs/config/src/schema';
import { createDedupStage, dedupSettings, describeSignatureStore, openSignatureStore } from '../../../libs/pipeline-stages/src';
import { StageHostModule } from '../../../libs/service-host/src';
import type { Bus } from '../../../libs/transport/src/bus';
import { DedupController } from './dedup.controller';

/**
 * docs.filtered -> docs.unique | docs.duplicate. Settings: `stages.dedup` (store kind and location:
 * every consumer of the group must point at the same store).
 */
export function dedupModule(config: CptflowConfig, bus: Bus): DynamicModule {
  const settings = dedupSettings(config);
  return StageHostModule.register({
    config,
    bus,
    controller: DedupController,
    createStage: () => createDedupStage({ topics: config.topics, store: openSignatureStore(settings), nearDuplicates: settings.nearDuplicates }),
    backends: { 'dedup store': describeSignatureStore(settings) },
  });
}

import type { DynamicModule } from '@nestjs/common';
import type { CptflowConfig, Bus } from '@cptflow/platform';
import { createDedupStage, dedupSettings, describeSignatureStore, openSignatureStore } from '@cptflow/data';
import { StageHostModule } from '@cptflow/nest-host';
import { DedupController } from './dedup.controller';

/**
 * docs.filtered -> docs.unique | docs.duplicate. Settings: `stages.dedup` (store kind and location:
 * every consumer of the group must point at the same store).
 */
export function dedupModule(config: CptflowConfig, bus: Bus): DynamicModule {
  const settings = dedupSettings(config);
  // Opened before Nest builds the module: a store path that is not SQLite is a ConfigError main() reports
  // in one line with exit 2 (thrown from a provider, Nest would log its stack and exit 1).
  const store = openSignatureStore(settings);
  return StageHostModule.register({
    config,
    bus,
    controller: DedupController,
    createStage: () => createDedupStage({ topics: config.topics, store, nearDuplicates: settings.nearDuplicates }),
    backends: { 'dedup store': describeSignatureStore(settings) },
  });
}

import { Logger, type DynamicModule } from '@nestjs/common';
import type { CptflowConfig, Bus } from '@cptflow/platform';
import { createPackerStage, openPackerTokenizer, packerSettings } from '@cptflow/data';
import { StageHostModule } from '@cptflow/nest-host';
import { PackerController } from './packer.controller';

/** docs.unique -> seqs.packed. Settings: `stages.packer` (model or tokenizer, sequence length, strategy). */
export function packerModule(config: CptflowConfig, bus: Bus): DynamicModule {
  const settings = packerSettings(config);
  return StageHostModule.register({
    config,
    bus,
    controller: PackerController,
    createStage: async () =>
      createPackerStage({
        topics: config.topics,
        tokenizer: await openPackerTokenizer(settings),
        seqLen: settings.seqLen,
        strategy: settings.strategy,
        bus,
        idleFlushMs: settings.idleFlushSeconds * 1000,
        log: (message) => new Logger('packer').warn(message),
      }),
  });
}

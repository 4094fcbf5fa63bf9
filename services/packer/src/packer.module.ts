import { Logger, type DynamicModule } from '@nestjs/common';
import type { CptflowConfig, Bus } from '@cptflow/platform';
import { createPackerStage, openPackerTokenizer, packerSettings } from '@cptflow/data';
import { StageHostModule } from '@cptflow/nest-host';
import { PackerController } from './packer.controller';

/** docs.unique -> seqs.packed. Settings: `stages.packer` (model or tokenizer, sequence length, strategy). */
export async function packerModule(config: CptflowConfig, bus: Bus): Promise<DynamicModule> {
  const settings = packerSettings(config);
  // Before Nest starts, so a model without a fitting tokenizer is exit 2 naming it (libs/nest-host's main).
  const tokenizer = await openPackerTokenizer(settings);
  return StageHostModule.register({
    config,
    bus,
    controller: PackerController,
    createStage: () =>
      createPackerStage({
        topics: config.topics,
        tokenizer,
        seqLen: settings.seqLen,
        strategy: settings.strategy,
        bus,
        idleFlushMs: settings.idleFlushSeconds * 1000,
        log: (message) => new Logger('packer').warn(message),
      }),
  });
}

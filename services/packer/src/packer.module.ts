import { Logger, type DynamicModule } from '@nestjs/common';
import type { CptflowConfig, Bus } from '@cptflow/platform';
import { createPackerStage, openPackerTokenizer, packerSettings } from '@cptflow/data';
import { StageHostModule } from '@cptflow/nest-host';
import { PackerController } from './packer.controller';

/** docs.unique -> seqs.packed. Settings: `stages.packer` (model or tokenizer, sequence length, strategy). */
export async function packerModule(config: CptflowConfig, bus: Bus): Promise<DynamicModule> {
  const settings = packerSettings(config);
  // Opened before Nest builds the module, so a tokenizer that does not fit the model is exit 2 in one line.
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

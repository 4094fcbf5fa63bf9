// The trainer service: `node dist/services/trainer/src/main.js` (config: $CPTFLOW_CONFIG + environment).
import { colorsOnlyOnTerminals, createHttpApp, loadServiceConfig, exitOnSignal } from '@cptflow/nest-host';
colorsOnlyOnTerminals();
import { startTelemetry, ConfigError, Bus, KafkaBus, MemoryBus } from '@cptflow/platform';
const telemetry = startTelemetry({ serviceName: 'cptflow-trainer' });

import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { checkTrainerPaths, parseTrainerConfig, trainerOptionsFromConfig } from './trainer.config';
import { TrainerModule } from './trainer.module';

async function main(): Promise<void> {
  const config = loadServiceConfig();
  const section = parseTrainerConfig(config.stages.trainer);
  checkTrainerPaths(section);
  const bus: Bus =
    config.bus.kind === 'kafka'
      ? new KafkaBus({ brokers: config.bus.brokers, clientId: `${config.bus.clientId}-trainer`, defaultPartitions: config.bus.partitions })
      : new MemoryBus({ defaultPartitions: config.bus.partitions });
  const logger = new Logger('trainer');
  const options = await trainerOptionsFromConfig(section, bus, config.topics, (line) => logger.log(line));
  const closeAll = async () => {
    await bus.close();
    await telemetry.shutdown();
  };
  const app = await createHttpApp(TrainerModule.register(options, closeAll, section.apiTokens), { logger: ['log', 'warn', 'error'] });
  await app.listen(config.http.port, config.http.host);
  if (section.apiTokens.length === 0) logger.warn('no API token (TRAINER_API_TOKEN): POST /schedule/decay is refused');
  logger.log(`listening on ${await app.getUrl()} (GET /status, /health, /ready; POST /schedule/decay with the API token)`);
  // app.close() runs the module's shutdown: the trainer finishes its step, writes a final checkpoint
  // and closes the bus and telemetry.
  exitOnSignal('trainer', () => app.close());
}

main().catch((err) => {
  // eslint-disable-next-line no-console
  console.error(`cptflow-trainer: ${err instanceof Error ? err.message : String(err)}`);
  // A bad setting exits 2 (as every service), anything else 1.
  process.exit(err instanceof ConfigError ? 2 : 1);
});

// Start-up shared by every stage service: configuration validated first (a bad setting stops the process
// with its name), then the bus, then the Nest application with graceful shutdown on SIGINT/SIGTERM.
import 'reflect-metadata';
import { Logger, type DynamicModule, type INestApplication } from '@nestjs/common';
import {
  ConfigError,
  type CptflowConfig,
  startTelemetry,
  type Telemetry,
  createBus,
  type Bus,
} from '@cptflow/platform';
import { createHttpApp } from './http-app';
import { colorsOnlyOnTerminals } from './log-colors';
import { startStageTransport } from './stage-host.module';
import { loadServiceConfig } from './stage-section-schemas';

export interface ServiceDefinition {
  /** e.g. "quality-filter"; the telemetry service name is `cptflow-${name}`. */
  name: string;
  /**
   * The service's module. Resources that can be misconfigured (a tokenizer, a classifier) are best opened
   * here, before Nest starts: a ConfigError thrown here is one line and exit 2, while one thrown by a
   * provider factory inside Nest ends the process with Nest's stack trace and exit 1.
   */
  module(config: CptflowConfig, bus: Bus): DynamicModule | Promise<DynamicModule>;
  /** The module is a StageHostModule: its bus transport is connected and started before HTTP listens (a hybrid app). */
  hostsStage?: boolean;
}

interface RunningService {
  app: INestApplication;
  url: string;
  telemetry: Telemetry;
  stop(): Promise<void>;
}

async function runService(definition: ServiceDefinition, overrides: Record<string, unknown> = {}): Promise<RunningService> {
  const telemetry = startTelemetry({ serviceName: `cptflow-${definition.name}` });
  const config = loadServiceConfig({ overrides });
  const bus = createBus(config.bus);
  const app = await createHttpApp(await definition.module(config, bus), { logger: ['log', 'warn', 'error'] });
  if (definition.hostsStage) await startStageTransport(app);
  await app.listen(config.http.port, config.http.host);
  const url = await app.getUrl();
  new Logger(definition.name).log(`listening on ${url} (bus: ${config.bus.kind})`);
  return {
    app,
    url,
    telemetry,
    async stop() {
      await app.close();
      await telemetry.shutdown();
    },
  };
}

/**
 * For a service's main.ts: run it, and turn a configuration error into one clear line and exit code 2.
 * SIGINT/SIGTERM close the app (the stages drain their in-flight batch and commit), flush telemetry
 * and exit 0; a second signal exits at once with 1.
 */
export function main(definition: ServiceDefinition): void {
  colorsOnlyOnTerminals();
  runService(definition).then((service) => exitOnSignal(definition.name, () => service.stop()), (error: unknown) => {
    if (error instanceof ConfigError) {
      console.error(`cptflow-${definition.name}: ${error.message}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  });
}

/** Graceful stop on the first SIGINT/SIGTERM, exit 0 once it is done; a second signal exits at once. */
export function exitOnSignal(name: string, stop: () => Promise<void>): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(1);
    signalled = true;
    new Logger(name).log(`${signal}: draining`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`cptflow-${name}: shutdown failed`, error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

// The HTTP side of the ingest service. The host provides BUS (a transport Bus) and INGEST_CONFIG
// (IngestHttpConfig), either through `register` or from a global module.
import { DynamicModule, Module, ModuleMetadata, Provider } from '@nestjs/common';
import type { Bus } from '@cptflow/platform';
import { IngestHttpConfig, IngestHttpHandler } from '@cptflow/data';
import { API_TOKENS, BearerTokenGuard } from '@cptflow/nest-host';
import { IngestController } from './ingest.controller';
import { BUS, INGEST_CONFIG } from './ingest.tokens';

export interface IngestModuleOptions {
  /** Provides BUS; leave out when an imported or global module already does. */
  bus?: Bus;
  /** Provides INGEST_CONFIG; leave out when an imported or global module already does. */
  config?: IngestHttpConfig;
  imports?: ModuleMetadata['imports'];
}

@Module({})
export class IngestModule {
  static register(options: IngestModuleOptions = {}): DynamicModule {
    const providers: Provider[] = [
      {
        provide: IngestHttpHandler,
        // create() validates the config, so a weak token or a missing root stops the app at start.
        useFactory: (bus: Bus, config: IngestHttpConfig) => IngestHttpHandler.create(bus, config),
        inject: [BUS, INGEST_CONFIG],
      },
      // The shared guard on the mutating routes accepts the ingest token.
      { provide: API_TOKENS, useFactory: (config: IngestHttpConfig) => [config.token], inject: [INGEST_CONFIG] },
      BearerTokenGuard,
    ];
    if (options.bus) providers.push({ provide: BUS, useValue: options.bus });
    if (options.config) providers.push({ provide: INGEST_CONFIG, useValue: options.config });
    return {
      module: IngestModule,
      imports: options.imports ?? [],
      controllers: [IngestController],
      providers,
      exports: [IngestHttpHandler],
    };
  }
}

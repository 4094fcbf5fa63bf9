import { Module, type DynamicModule } from '@nestjs/common';
import type { CptflowConfig } from '../../../libs/config/src/schema';
import { HealthController, Readiness } from '../../../libs/service-host/src';
import type { Bus } from '../../../libs/transport/src/bus';
import { ingestHttpConfig } from './ingest.config';
import { IngestModule } from './ingest.module';

/** The ingest service: HTTP uploads and server-side paths in, documents on the raw topic out. */
@Module({})
export class IngestServiceModule {
  static register(config: CptflowConfig, bus: Bus): DynamicModule {
    return {
      module: IngestServiceModule,
      imports: [IngestModule.register({ bus, config: ingestHttpConfig(config) })],
      controllers: [HealthController],
      providers: [Readiness],
    };
  }
}

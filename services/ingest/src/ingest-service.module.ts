import { Module, type DynamicModule } from '@nestjs/common';
import type { CptflowConfig, Bus } from '@cptflow/platform';
import { INGEST_STAGE, StageAccounting } from '@cptflow/data';
import { AccountingReporter, BUS, CONFIG, HealthController, Readiness } from '@cptflow/nest-host';
import { ingestHttpConfig } from './ingest.config';
import { IngestModule } from './ingest.module';

/** The ingest service: HTTP uploads and server-side paths in, documents on the raw topic out. */
@Module({})
export class IngestServiceModule {
  static register(config: CptflowConfig, bus: Bus): DynamicModule {
    // What ingest publishes (documents, rejections, dead letters) is its accounting: the dashboard's
    // pipeline table then starts with the records that entered, dead letters at ingest included.
    const accounting = new StageAccounting(INGEST_STAGE, config.topics);
    const http = ingestHttpConfig(config);
    return {
      module: IngestServiceModule,
      imports: [IngestModule.register({ bus, config: { ...http, publisher: { ...http.publisher, onPublished: accounting.countPublished } } })],
      controllers: [HealthController],
      providers: [
        Readiness,
        { provide: BUS, useValue: bus },
        { provide: CONFIG, useValue: config },
        { provide: StageAccounting, useValue: accounting },
        AccountingReporter,
      ],
    };
  }
}

// cptflow ingest service: `node dist/services/ingest/src/main.js` (see services/ingest/README.md).
import { main } from '@cptflow/nest-host';
import { IngestServiceModule } from './ingest-service.module';

main({ name: 'ingest', module: (config, bus) => IngestServiceModule.register(config, bus) });

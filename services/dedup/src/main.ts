// cptflow dedup service: `node dist/services/dedup/src/main.js`.
import { main } from '@cptflow/nest-host';
import { dedupModule } from './dedup.module';

main({ name: 'dedup', module: dedupModule, hostsStage: true });

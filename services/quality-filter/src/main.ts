// cptflow quality-filter service: `node dist/services/quality-filter/src/main.js`.
import { main } from '@cptflow/nest-host';
import { qualityFilterModule } from './quality-filter.module';

main({ name: 'quality-filter', module: qualityFilterModule, hostsStage: true });

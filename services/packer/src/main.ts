// cptflow packer service: `node dist/services/packer/src/main.js`.
import { main } from '@cptflow/nest-host';
import { packerModule } from './packer.module';

main({ name: 'packer', module: packerModule, hostsStage: true });

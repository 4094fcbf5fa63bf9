// cptflow packer service: `node dist/services/packer/src/main.js`.
import { main } from '../../../libs/service-host/src/bootstrap';
import { packerModule } from './packer.module';

main({ name: 'packer', module: packerModule, hostsStage: true });

import { MemorySignatureStore } from './memory-store';
import { runStoreContract } from './store-contract.testutil';

// Consumers in one process share one in-memory store; every "handle" is that same object.
let shared = new MemorySignatureStore();
runStoreContract({
  name: 'memory',
  open: async () => shared,
  cleanup: async () => {
    shared = new MemorySignatureStore();
  },
});

// Runs against the PostgreSQL server in DATABASE_URL (the test harness starts one); skipped with a
// message when it is not set. Uses a throwaway table namespace and drops it afterwards.
import { PostgresSignatureStore } from './postgres-store';
import { runStoreContract } from './store-contract.testutil';

const url = process.env.DATABASE_URL;
const namespace = `dedup_test_${process.pid}_${Date.now().toString(36)}`;
if (!url) console.log('# postgres store tests skipped: DATABASE_URL is not set');

runStoreContract({
  name: 'postgres',
  skip: !url && 'DATABASE_URL is not set (PostgreSQL store tests need a server)',
  open: async () => new PostgresSignatureStore(url!, { namespace }),
  cleanup: async () => {
    const s = new PostgresSignatureStore(url!, { namespace });
    await s.dropTables();
    await s.close();
  },
});

// Runs against the Redis server in REDIS_URL (the test harness starts one); skipped with a message
// when it is not set. Uses a throwaway key namespace and deletes it afterwards.
import { RedisSignatureStore } from './redis-store';
import { runStoreContract } from './store-contract.testutil';

const url = process.env.REDIS_URL;
const namespace = `dedup_test_${process.pid}_${Date.now().toString(36)}`;
if (!url) console.log('# redis store tests skipped: REDIS_URL is not set');

runStoreContract({
  name: 'redis',
  skip: !url && 'REDIS_URL is not set (Redis store tests need a server)',
  open: async () => new RedisSignatureStore(url!, { namespace }),
  cleanup: async () => {
    const s = new RedisSignatureStore(url!, { namespace });
    await s.deleteAll();
    await s.close();
  },
});

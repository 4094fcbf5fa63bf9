// Redis store (ioredis). A claim is one Lua script, and Redis runs a script to completion before
// any other command, which makes the read-check-write atomic across every consumer.
// All keys of a namespace carry the same hash tag ({namespace}), so the script's keys live in one
// slot and it also works on Redis Cluster.
import Redis from 'ioredis';
import type { MinHashSignature } from '../minhash';
import { checkNamespace, type ClaimRequest, type ClaimResult, type SignatureStore } from '../signature-store';

export interface RedisStoreOptions {
  /** Key prefix (hash tag). Default "dedup". */
  namespace?: string;
}

// KEYS[1..n-1]: bucket keys, KEYS[n]: the signature key. ARGV[1]: doc id, ARGV[2]: signature or "".
// Returns {claimed (0/1), owner_1, ..., owner_{n-1}} with false (nil) for unowned keys.
const CLAIM_SCRIPT = `
local n = #KEYS - 1
local doc = ARGV[1]
local reply = {1}
for i = 1, n do
  local owner = redis.call('GET', KEYS[i])
  if owner and owner ~= doc then reply[1] = 0 end
  reply[i + 1] = owner or false
end
if reply[1] == 1 then
  for i = 1, n do
    redis.call('SET', KEYS[i], doc)
    reply[i + 1] = doc
  end
  if ARGV[2] ~= '' then redis.call('SET', KEYS[n + 1], ARGV[2], 'NX') end
end
return reply
`;

type ClaimingRedis = Redis & {
  dedupClaim(...args: Array<string | Buffer | number>): Promise<Array<number | string | null>>;
};

export class RedisSignatureStore implements SignatureStore {
  private readonly redis: ClaimingRedis;
  private readonly prefix: string;

  constructor(url: string, options: RedisStoreOptions = {}) {
    this.prefix = `{${checkNamespace(options.namespace ?? 'dedup')}}:`;
    const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
    redis.defineCommand('dedupClaim', { lua: CLAIM_SCRIPT });
    this.redis = redis as ClaimingRedis;
  }

  private bucketKey(key: string): string {
    return `${this.prefix}b:${key}`;
  }

  private signatureKey(docId: string): string {
    return `${this.prefix}s:${docId}`;
  }

  private claimArgs({ docId, keys, signature }: ClaimRequest): Array<string | Buffer | number> {
    const redisKeys = [...keys.map((k) => this.bucketKey(k)), this.signatureKey(docId)];
    return [redisKeys.length, ...redisKeys, docId, signature ? Buffer.from(signature) : ''];
  }

  private static toResult(reply: Array<number | string | null>): ClaimResult {
    return { claimed: reply[0] === 1, owners: reply.slice(1).map((o) => (o === null ? null : String(o))) };
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    return RedisSignatureStore.toResult(await this.redis.dedupClaim(...this.claimArgs(request)));
  }

  /** One pipeline: Redis runs the scripts in order, each atomically, in a single round trip. */
  async claimMany(requests: readonly ClaimRequest[]): Promise<ClaimResult[]> {
    if (requests.length === 0) return [];
    const pipeline = this.redis.pipeline() as ReturnType<Redis['pipeline']> & {
      dedupClaim(...args: Array<string | Buffer | number>): unknown;
    };
    for (const r of requests) pipeline.dedupClaim(...this.claimArgs(r));
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([err, reply]) => {
      if (err) throw err;
      return RedisSignatureStore.toResult(reply as Array<number | string | null>);
    });
  }

  async signatures(docIds: readonly string[]): Promise<Map<string, MinHashSignature>> {
    const out = new Map<string, MinHashSignature>();
    if (docIds.length === 0) return out;
    const values = await this.redis.mgetBuffer(...docIds.map((id) => this.signatureKey(id)));
    docIds.forEach((id, i) => {
      const v = values[i];
      if (v) out.set(id, new Uint8Array(v));
    });
    return out;
  }

  /** Deletes every key of this namespace (tests use a throwaway namespace). */
  async deleteAll(): Promise<void> {
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
      if (found.length) await this.redis.del(...found);
      cursor = next;
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}

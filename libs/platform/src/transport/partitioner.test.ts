import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Partitioners } from 'kafkajs';
import { murmur2, partitionForKey } from './partitioner';

it('matches kafkajs DefaultPartitioner (Java-compatible murmur2) for keys of every length mod 4', () => {
  const kafkajsPartitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: 7 }, (_, i) => ({ partitionId: i, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
  const keys = ['', 'a', 'ab', 'abc', 'abcd', 'doc-000123', 'https://example.org/page?id=42', 'ünïcödé', '日本語のキー'];
  for (let i = 0; i < 200; i++) keys.push(`key-${i * 7919}`);
  for (const key of keys) {
    const expected = kafkajsPartitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
    assert.equal(partitionForKey(key, 7), expected, `key ${JSON.stringify(key)}`);
  }
});

it('returns 32-bit signed integers', () => {
  for (const key of ['x', 'yy', 'zzz', 'wwww']) {
    const h = murmur2(Buffer.from(key));
    assert.ok(Number.isInteger(h) && h >= -(2 ** 31) && h < 2 ** 31);
  }
});

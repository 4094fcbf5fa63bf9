import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfig } from './index';

test('with no file and no environment the single-process defaults apply', () => {
  const config = loadConfig({ env: {} });
  assert.equal(config.bus.kind, 'memory');
  assert.equal(config.topics.docsRaw, 'cpt.docs.raw');
});

test('environment overrides the file, and KAFKA_BROKERS selects the Kafka bus', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-config-'));
  const file = path.join(dir, 'c.json');
  fs.writeFileSync(file, JSON.stringify({ bus: { partitions: 2 }, topics: { docsRaw: 'x.raw' } }));
  const config = loadConfig({ file, env: { KAFKA_BROKERS: 'a:1, b:2', CPTFLOW__BUS__PARTITIONS: '4' } });
  assert.equal(config.bus.kind, 'kafka');
  assert.deepEqual(config.bus.brokers, ['a:1', 'b:2']);
  assert.equal(config.bus.partitions, 4);
  assert.equal(config.topics.docsRaw, 'x.raw');
});

test('a bad setting fails at start with its path named', () => {
  assert.throws(
    () => loadConfig({ env: { CPTFLOW__BUS__PARTITIONS: '0', CPTFLOW__BUS__KIND: 'carrier-pigeon' } }),
    (err: unknown) => err instanceof ConfigError && /bus\.partitions/.test(err.message) && /bus\.kind/.test(err.message),
  );
});

test('an unknown setting is refused rather than silently ignored', () => {
  assert.throws(() => loadConfig({ env: {}, overrides: { bus: { partitons: 3 } } }), /partitons/);
});

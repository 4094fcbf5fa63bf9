import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfig, requireDirectory, requireFile, requireWritableDirectory } from './index';

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

test('a misspelled stage section is refused by name, with the right spelling and its environment form', () => {
  assert.throws(
    () => loadConfig({ env: {}, overrides: { stages: { dedupe: { store: { kind: 'postgres', url: 'postgres://db/x' } } } } }),
    (err: unknown) => err instanceof ConfigError && /stages\.dedupe: unknown stage section "dedupe"\. Did you mean "dedup"/.test(err.message),
  );
  assert.throws(
    () => loadConfig({ env: { CPTFLOW__STAGES__QUALITYFILTER__FILTERS: '{}' } }),
    (err: unknown) => err instanceof ConfigError && /stages\.qualityfilter: .*"qualityFilter" \(environment: CPTFLOW__STAGES__QUALITY_FILTER__\.\.\.\)/.test(err.message),
  );
  assert.throws(() => loadConfig({ env: {}, overrides: { stages: { packer: 'big' } } }), /stages\.packer/);
  const config = loadConfig({ env: { CPTFLOW__STAGES__QUALITY_FILTER__FILTERS: '{}' } });
  assert.deepEqual(config.stages.qualityFilter, { filters: {} });
});

test('a number JSON reads as Infinity (1e999) is refused by its path, in any section; so is a period longer than a timer can wait', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-config-'));
  const file = path.join(dir, 'c.json');
  // JSON has no Infinity, but JSON.parse reads an overflowing literal as one
  fs.writeFileSync(file, '{ "logging": { "summaryEverySeconds": 1e999 }, "stages": { "trainer": { "schedule": { "peakLr": -1e400 } } } }');
  assert.throws(
    () => loadConfig({ file, env: {} }),
    (err: unknown) =>
      err instanceof ConfigError &&
      /logging\.summaryEverySeconds: Infinity is not a finite number/.test(err.message) &&
      /stages\.trainer\.schedule\.peakLr: -Infinity is not a finite number/.test(err.message),
  );
  // 35 days: Node's timers wait at most 2^31-1 ms (24.8 days) and fire after 1 ms instead: a log line every millisecond
  assert.throws(
    () => loadConfig({ env: { CPTFLOW__LOGGING__SUMMARY_EVERY_SECONDS: '3000000' } }),
    (err: unknown) => err instanceof ConfigError && /logging\.summaryEverySeconds: .*at most 2147483\.647/.test(err.message),
  );
  assert.equal(loadConfig({ env: { CPTFLOW__LOGGING__SUMMARY_EVERY_SECONDS: '86400' } }).logging.summaryEverySeconds, 86400);
});

test('KAFKA_BROKERS must name at least one host:port broker', () => {
  for (const value of [',,', ' , ', 'kafka', 'kafka:port']) {
    assert.throws(() => loadConfig({ env: { KAFKA_BROKERS: value } }), (err: unknown) => err instanceof ConfigError && /bus\.brokers/.test(err.message), value);
  }
  assert.deepEqual(loadConfig({ env: { KAFKA_BROKERS: '[::1]:9092,kafka-0.kafka:9093' } }).bus.brokers, ['[::1]:9092', 'kafka-0.kafka:9093']);
});

test('paths a setting names: missing ones and folders under /proc fail with the setting named, no raw error code', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-paths-'));
  assert.throws(() => requireFile(path.join(dir, 'nope.json'), 'stages.x.file'), /^ConfigError: stages\.x\.file: .*nope\.json does not exist$/);
  assert.throws(() => requireDirectory(path.join(dir, 'nope'), 'stages.x.dir'), /stages\.x\.dir: .* does not exist/);
  assert.throws(() => requireWritableDirectory('/proc/cptflow/checkpoints', 'stages.x.out'), /stages\.x\.out: .*inside \/proc/);
  assert.throws(() => requireWritableDirectory('/sys/kernel/cptflow', 'stages.x.out'), /inside \/sys/);
  const blocker = path.join(dir, 'a-file');
  fs.writeFileSync(blocker, '');
  assert.throws(() => requireWritableDirectory(path.join(blocker, 'sub'), 'stages.x.out'), (err: unknown) => err instanceof ConfigError && !/ENOTDIR|EEXIST/.test(err.message));
  const created = path.join(dir, 'new', 'deeper');
  assert.equal(requireWritableDirectory(created, 'stages.x.out'), created);
  assert.deepEqual(fs.readdirSync(created), [], 'the write probe is removed');
});

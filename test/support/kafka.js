#!/usr/bin/env node
// A single-node Apache Kafka broker (KRaft, broker + controller in one JVM) on loopback for tests.
//
// Jars come from Maven Central through `mvn dependency:copy-dependencies` once, and are cached in
// <repo>/.cache/kafka/<version>/libs, so later runs start offline. Every start formats a fresh storage
// directory, so no state leaks between runs. If KAFKA_BROKERS is already set, nothing is started.
//
// start() is synchronous (scripts/run-tests.js calls it before spawning the test runner): the JVM is
// spawned in the background and readiness is polled with spawnSync'd probes.
//
// CLI, for working on tests against one long-lived broker:
//   node test/support/kafka.js start     # prints `export KAFKA_BROKERS=...`; broker outlives the CLI
//   node test/support/kafka.js stop
'use strict';
const { sleepSync, freePorts, isAlive } = require('./processes');
const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const KAFKA_VERSION = '3.9.1';
// Kafka 3.9's own log4j binding; the broker logs through slf4j and needs one backend on the classpath.
const SLF4J_BACKEND = { groupId: 'org.slf4j', artifactId: 'slf4j-reload4j', version: '1.7.36' };

const root = path.resolve(__dirname, '..', '..');
const cacheDir = path.join(root, '.cache', 'kafka', KAFKA_VERSION);
const libsDir = path.join(cacheDir, 'libs');
const readyMarker = path.join(libsDir, '.complete');
const detachedStateFile = path.join(root, '.cache', 'kafka', 'detached.json');

/** The broker this module started, if any: { pid, dataDir, brokers }. */
let running = null;

function log(msg) {
  process.stderr.write(`[kafka] ${msg}\n`);
}

function fetchJars() {
  if (fs.existsSync(readyMarker)) return;
  const started = Date.now();
  log(`fetching Kafka ${KAFKA_VERSION} jars from Maven Central into ${libsDir}`);
  const workDir = path.join(cacheDir, 'fetch');
  fs.mkdirSync(workDir, { recursive: true });
  fs.rmSync(libsDir, { recursive: true, force: true });
  // kafka_2.13 (the broker) pulls in kafka-server, -metadata, -raft, -storage, the group and
  // transaction coordinators, scala-library, netty and jackson as runtime dependencies.
  const pom = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.cptflow</groupId>
  <artifactId>kafka-test-broker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>${SLF4J_BACKEND.groupId}</groupId><artifactId>${SLF4J_BACKEND.artifactId}</artifactId><version>${SLF4J_BACKEND.version}</version></dependency>
  </dependencies>
</project>
`;
  fs.writeFileSync(path.join(workDir, 'pom.xml'), pom);
  const mvn = spawnSync(
    'mvn',
    ['-B', '-q', 'dependency:copy-dependencies', `-DoutputDirectory=${libsDir}`, '-DincludeScope=runtime'],
    { cwd: workDir, encoding: 'utf8', timeout: 600_000 },
  );
  if (mvn.error) throw new Error(`cannot run mvn (is Maven installed?): ${mvn.error.message}`);
  if (mvn.status !== 0) throw new Error(`mvn failed (${mvn.status}):\n${mvn.stdout}\n${mvn.stderr}`);
  if (!fs.existsSync(path.join(libsDir, `kafka_2.13-${KAFKA_VERSION}.jar`))) {
    throw new Error(`mvn finished but ${libsDir} has no kafka_2.13 jar`);
  }
  fs.writeFileSync(readyMarker, `${new Date().toISOString()}\n`);
  log(`jars fetched in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

function javaCommand() {
  const javaHome = process.env.JAVA_HOME;
  return javaHome ? path.join(javaHome, 'bin', 'java') : 'java';
}

function jvmArgs(dataDir) {
  return [
    // Small heap and C1-only JIT: a test broker handles little data, and on a 2-core machine the
    // C2 compiler threads otherwise compete with the tests for minutes after start.
    '-Xms128m',
    '-Xmx512m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${path.join(dataDir, 'log4j.properties')}`,
    `-Dkafka.logs.dir=${dataDir}`,
    '-cp',
    `${libsDir}${path.sep}*`,
  ];
}

function serverProperties({ port, controllerPort, logDir }) {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${logDir}`,
    // One node: every internal topic has one replica and needs one in sync.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=4',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    // Topics are created explicitly by the transport (Bus.ensureTopics, or lazily by KafkaBus), as in
    // a real deployment; a typo in a topic name then fails loudly instead of creating a stray topic.
    'auto.create.topics.enable=false',
    'num.partitions=1',
    // Consumer groups form at once instead of waiting 3 s for more members.
    'group.initial.rebalance.delay.ms=0',
    // Lets tests use short session timeouts, so a killed consumer's partitions move on quickly.
    'group.min.session.timeout.ms=1000',
    // Small segments and short retention checks keep the data dir tiny.
    'log.segment.bytes=8388608',
    'log.retention.check.interval.ms=60000',
    'num.network.threads=2',
    'num.io.threads=4',
    'num.recovery.threads.per.data.dir=1',
    // Aborted transactions are cleaned up quickly when a killed producer never comes back.
    'transaction.abort.timed.out.transaction.cleanup.interval.ms=1000',
    'transaction.remove.expired.transaction.cleanup.interval.ms=60000',
    '',
  ].join('\n');
}

const LOG4J = `log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=\${kafka.logs.dir}/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
`;

/** A KRaft cluster id: 16 random bytes, base64url without padding (what `kafka-storage random-uuid` prints). */
function clusterId() {
  return crypto.randomBytes(16).toString('base64url');
}

function formatStorage(dataDir, propsFile) {
  const out = spawnSync(
    javaCommand(),
    [...jvmArgs(dataDir), 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId()}`, '-c', propsFile, '--ignore-formatted'],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (out.error) throw new Error(`cannot run java (is a JDK 17 installed?): ${out.error.message}`);
  if (out.status !== 0) throw new Error(`kafka storage format failed:\n${out.stdout}\n${out.stderr}`);
}

/**
 * Waits until the broker answers metadata requests and has created its internal topics, by running a
 * kafkajs probe in a child process (start() must stay synchronous).
 */
function waitUntilReady(brokers, pid, dataDir, timeoutMs) {
  const probe = `
    const { Kafka, logLevel } = require('kafkajs');
    const kafka = new Kafka({ brokers: [${JSON.stringify(brokers)}], logLevel: logLevel.NOTHING,
      retry: { retries: 0 }, connectionTimeout: 1000, requestTimeout: 5000 });
    (async () => {
      const admin = kafka.admin();
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length < 1 || cluster.controller == null) throw new Error('no controller yet');
      // Warm up the transaction coordinator (creates __transaction_state) so the first test does not
      // pay for it; a transactional producer is what every stage uses.
      const producer = kafka.producer({ transactionalId: 'cptflow-harness-warmup', idempotent: true,
        maxInFlightRequests: 1, retry: { retries: 10, initialRetryTime: 200 } });
      await producer.connect();
      await producer.disconnect();
      await admin.disconnect();
    })().then(() => process.exit(0), (err) => { process.stderr.write(String(err && err.message)); process.exit(1); });`;
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      throw new Error(`Kafka broker exited during start; see ${path.join(dataDir, 'server.log')} and ${path.join(dataDir, 'stdout.log')}`);
    }
    const out = spawnSync(process.execPath, ['-e', probe], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    if (out.status === 0) return;
    lastError = out.stderr;
    sleepSync(500);
  }
  throw new Error(`Kafka broker at ${brokers} not ready after ${timeoutMs} ms: ${lastError}`);
}

/**
 * Starts the broker. `detached`: the broker outlives this process (CLI use); otherwise a watchdog kills
 * it when this process dies, so a crashed test run never leaves a JVM behind.
 */
function launch({ detached = false } = {}) {
  const started = Date.now();
  fetchJars();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-kafka-'));
  const [port, controllerPort] = freePorts(2);
  const propsFile = path.join(dataDir, 'server.properties');
  fs.writeFileSync(propsFile, serverProperties({ port, controllerPort, logDir: path.join(dataDir, 'data') }));
  fs.writeFileSync(path.join(dataDir, 'log4j.properties'), LOG4J);
  formatStorage(dataDir, propsFile);

  const stdout = fs.openSync(path.join(dataDir, 'stdout.log'), 'a');
  const javaArgs = [...jvmArgs(dataDir), 'kafka.Kafka', propsFile];
  let child;
  if (detached) {
    child = spawn(javaCommand(), javaArgs, { detached: true, stdio: ['ignore', stdout, stdout] });
  } else {
    // The watchdog shell runs java in the background and kills it as soon as our process is gone.
    const script = `"$0" "$@" & jp=$!; trap 'kill $jp 2>/dev/null; wait $jp; exit' TERM INT;
      while kill -0 ${process.pid} 2>/dev/null && kill -0 $jp 2>/dev/null; do sleep 1 & wait $!; done;
      kill $jp 2>/dev/null; wait $jp`;
    child = spawn('/bin/sh', ['-c', script, javaCommand(), ...javaArgs], { stdio: ['ignore', stdout, stdout] });
  }
  child.unref();
  fs.closeSync(stdout);
  const brokers = `127.0.0.1:${port}`;
  running = { pid: child.pid, dataDir, brokers };
  if (!detached) process.once('exit', stop);
  try {
    waitUntilReady(brokers, child.pid, dataDir, 90_000);
  } catch (err) {
    stop();
    throw err;
  }
  log(`broker ready at ${brokers} in ${((Date.now() - started) / 1000).toFixed(1)}s (data ${dataDir})`);
  return running;
}

/** Starts a broker unless KAFKA_BROKERS is set; returns the env the tests need. */
function start() {
  if (process.env.KAFKA_BROKERS) return { KAFKA_BROKERS: process.env.KAFKA_BROKERS };
  if (running) return { KAFKA_BROKERS: running.brokers };
  return { KAFKA_BROKERS: launch().brokers };
}

function terminate(pid, dataDir) {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  // A controlled shutdown takes a few seconds; after 15 s the data is thrown away anyway.
  const deadline = Date.now() + 15_000;
  while (isAlive(pid) && Date.now() < deadline) sleepSync(100);
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
}

function stop() {
  if (!running) return;
  const { pid, dataDir } = running;
  running = null;
  process.removeListener('exit', stop);
  terminate(pid, dataDir);
}

function cli(command) {
  if (command === 'start') {
    const broker = launch({ detached: true });
    fs.writeFileSync(detachedStateFile, JSON.stringify(broker));
    running = null; // the broker outlives this CLI
    process.stdout.write(`export KAFKA_BROKERS=${broker.brokers}\n`);
  } else if (command === 'stop') {
    if (!fs.existsSync(detachedStateFile)) return log('no detached broker recorded');
    const { pid, dataDir } = JSON.parse(fs.readFileSync(detachedStateFile, 'utf8'));
    terminate(pid, dataDir);
    fs.rmSync(detachedStateFile);
  } else if (command === 'fetch') {
    fetchJars();
  } else {
    process.stderr.write('usage: node test/support/kafka.js start|stop|fetch\n');
    process.exit(2);
  }
}

module.exports = { start, stop, KAFKA_VERSION };

if (require.main === module) cli(process.argv[2]);

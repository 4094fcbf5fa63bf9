// compose/docker-compose.yml without Docker: every cptflow service in it is started as a process with
// exactly the environment, env files, working directory and paths compose gives its container, and
// must become ready. What a container has that a process cannot is mapped, and only that:
//   - network names: kafka:9092, postgres:5432 and otel-collector:4318 become the test's broker, a fresh
//     PostgreSQL database and an OTLP receiver on loopback; each container's own port 8080 becomes a
//     free port (containers have a network namespace each, processes share one);
//   - mounts: each volume's container path (/data, /checkpoints) becomes a temporary folder (a bind
//     mount links to its host folder, a named volume is an empty folder shared by the services that
//     mount it), and the image's WORKDIR (/app, where the build put dist/) becomes the repository;
//   - env files are written by the script the README names (scripts/make-compose-secrets.sh).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { testBackends, type TestDatabase } from '@cptflow/results/testing';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver';
import { startService, type ServiceProcess } from '../support/service-process';

const ROOT = path.resolve(__dirname, '../../..');
const COMPOSE_DIR = path.join(ROOT, 'compose');
const brokers = process.env.KAFKA_BROKERS;
const databaseUrl = process.env.DATABASE_URL;

interface ComposeService {
  command?: string[];
  environment?: Record<string, string | number | boolean>;
  env_file?: string[];
  volumes?: string[];
}

interface Dockerfile {
  workdir: string;
  env: Record<string, string>;
}

/** WORKDIR and ENV of the image's final stage. */
function readDockerfile(file: string): Dockerfile {
  const stages = fs.readFileSync(file, 'utf8').split(/^FROM /m);
  const last = stages[stages.length - 1]!;
  const env: Record<string, string> = {};
  for (const [, name, value] of last.matchAll(/^ENV (\w+)=(\S+)$/gm)) env[name!] = value!;
  return { workdir: /^WORKDIR (\S+)$/m.exec(last)?.[1] ?? '/', env };
}

/** KEY=VALUE lines as compose reads an env file (no quoting used in ours). */
function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) out[match[1]!] = match[2]!;
  }
  return out;
}

/** Replaces a container path where it starts a path inside a value (also inside JSON strings). */
function mapPath(value: string, containerPath: string, hostPath: string): string {
  const escaped = containerPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return value.replace(new RegExp(`(?<![\\w.-])${escaped}(?=/|"|$)`, 'g'), hostPath);
}

describe('compose/docker-compose.yml', { skip: (!brokers || !databaseUrl) && 'KAFKA_BROKERS / DATABASE_URL not set (scripts/run-tests.js starts Kafka and PostgreSQL)' }, () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-compose-'));
  let database: TestDatabase;
  let otlp: OtlpReceiver;
  const running: ServiceProcess[] = [];

  before(async () => {
    database = await testBackends().find((b) => b.name === 'postgres')!.create();
    otlp = await startOtlpReceiver();
  });

  after(async () => {
    await Promise.all(running.map((s) => s.kill()));
    await otlp?.close();
    await database?.drop();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('every cptflow service starts with exactly its compose environment, files and paths, and gets ready', { timeout: 240_000 }, async () => {
    const compose = parse(fs.readFileSync(path.join(COMPOSE_DIR, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
    const image = readDockerfile(path.join(COMPOSE_DIR, 'Dockerfile'));
    const envFiles = path.join(scratch, 'env-files');
    fs.mkdirSync(envFiles);
    execFileSync('bash', [path.join(ROOT, 'scripts/make-compose-secrets.sh'), path.join(envFiles, 'secrets.env')], { stdio: 'pipe' });
    const secrets = readEnvFile(path.join(envFiles, 'secrets.env'));
    assert.ok(secrets.CPTFLOW_INGEST_TOKEN!.length >= 16 && secrets.EVALUATOR_API_TOKEN!.length >= 16);

    const services = Object.entries(compose.services).filter(([, s]) => /^dist\/services\/[a-z-]+\/src\/main\.js$/.test(s.command?.[0] ?? ''));
    assert.deepEqual(services.map(([name]) => name).sort(), ['dedup', 'evaluator', 'ingest', 'packer', 'quality-filter', 'trainer']);

    const named = new Map<string, string>(); // a named volume is one folder, shared by every service mounting it
    const started = services.map(async ([name, service]) => {
      assert.equal(service.command![0], `dist/services/${name}/src/main.js`);
      let env: Record<string, string> = { ...image.env };
      for (const file of service.env_file ?? []) Object.assign(env, readEnvFile(path.join(envFiles, file)));
      for (const [key, value] of Object.entries(service.environment ?? {})) env[key] = String(value);

      const mounts: [string, string][] = [[image.workdir, ROOT]];
      for (const volume of service.volumes ?? []) {
        const [source, target] = volume.split(':') as [string, string];
        let host: string;
        if (source.startsWith('.') || source.startsWith('/')) {
          host = path.join(scratch, 'binds', name, target);
          fs.mkdirSync(path.dirname(host), { recursive: true });
          fs.symlinkSync(path.resolve(COMPOSE_DIR, source), host);
        } else {
          if (!named.has(source)) named.set(source, fs.mkdtempSync(path.join(scratch, `volume-${source}-`)));
          host = named.get(source)!;
        }
        mounts.push([target, host]);
      }
      const endpoints: [RegExp, string][] = [
        [/postgres:\/\/[^@\s"]+@postgres:5432\/cptflow/g, database.options.databaseUrl!],
        [/\bkafka:9092\b/g, brokers!],
        [/http:\/\/otel-collector:4318/g, otlp.endpoint],
      ];
      env = Object.fromEntries(
        Object.entries(env).map(([key, value]) => {
          let mapped = value;
          for (const [pattern, replacement] of endpoints) mapped = mapped.replace(pattern, replacement);
          for (const [containerPath, host] of mounts) mapped = mapPath(mapped, containerPath, host);
          return [key, mapped];
        }),
      );
      assert.equal(env.CPTFLOW__HTTP__PORT, '8080');
      env.CPTFLOW__HTTP__PORT = '0';
      env.CPTFLOW__HTTP__HOST = '127.0.0.1';
      env.PATH = process.env.PATH ?? '/usr/bin:/bin';
      const service_ = await startService(name, env, 180_000, { cwd: ROOT, exactEnv: true });
      running.push(service_);
      return service_;
    });
    const outcomes = await Promise.allSettled(started);
    const failures = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [`${services[i]![0]}: ${(o.reason as Error).message}`] : []));
    assert.deepEqual(failures, []);

    // Secrets reached the services that need them: the ingest API answers 401 without the generated token.
    const ingest = running.find((s) => s.name === 'ingest')!;
    const refused = await fetch(`${ingest.url}/ingest/upload`, { method: 'POST', body: '{"text":"x"}\n', headers: { 'content-type': 'application/x-ndjson' } });
    assert.equal(refused.status, 401);
    const accepted = await fetch(`${ingest.url}/ingest/upload?name=compose.jsonl`, {
      method: 'POST',
      body: '{"text":"compose smoke test"}\n',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${secrets.CPTFLOW_INGEST_TOKEN}` },
    });
    assert.equal(accepted.status, 200);

    await Promise.all(running.map((s) => s.stop()));
    for (const s of running) {
      assert.equal(s.child.exitCode, 0, `${s.name}:\n${s.output()}`);
      // Six services starting together on the broker: no error-level line (topic creation races,
      // metadata of topics still being created, colour codes in a redirected log).
      const noise = s.output().split('\n').filter((line) => /\bERROR\b|\[kafkajs|\[(kafka|memory)-bus\]|\x1b\[/.test(line));
      assert.deepEqual(noise, [], `${s.name}:\n${s.output()}`);
    }
  });
});

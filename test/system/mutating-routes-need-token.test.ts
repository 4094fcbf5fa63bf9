// Every mutating route (POST, PUT, PATCH, DELETE) of every service app answers 401 without the
// bearer token, and with a wrong one, whatever the body (a malformed or oversized one too: the token is
// checked before the body is read). The routes are read from each app's own router, so a route
// added later is covered without touching this test. The apps run in this process on the
// in-process bus (the guard does not depend on the transport).
import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { loadConfig, type CptflowConfig, MemoryBus } from '@cptflow/platform';
import { createHttpApp } from '@cptflow/nest-host';
import { testBus, testTrainerOptions } from '@cptflow/training/testing';
import { dedupModule } from '../../services/dedup/src/dedup.module';
import { EvaluatorApp } from '../../services/evaluator/src/evaluator.app';
import { evaluatorConfigFrom } from '@cptflow/evaluation';
import { IngestServiceModule } from '../../services/ingest/src/ingest-service.module';
import { packerModule } from '../../services/packer/src/packer.module';
import { qualityFilterModule } from '../../services/quality-filter/src/quality-filter.module';
import { TrainerModule } from '../../services/trainer/src/trainer.module';

const TOKEN = 'route-test-token-0123456789';
const MUTATING = new Set(['post', 'put', 'patch', 'delete']);

/** The routes an app's express router serves: "POST /ingest/upload", ... */
function routesOf(app: INestApplication): Array<{ method: string; path: string }> {
  const router = app.getHttpAdapter().getInstance().router as { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
  return router.stack.flatMap((layer) =>
    layer.route ? Object.keys(layer.route.methods).filter((m) => layer.route!.methods[m]).map((m) => ({ method: m, path: layer.route!.path })) : [],
  );
}

test('every mutating route of every service needs the bearer token', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cptflow-routes-'));
  const config: CptflowConfig = loadConfig({
    env: {},
    overrides: {
      http: { host: '127.0.0.1', port: 0 },
      stages: {
        ingest: { token: TOKEN, roots: [dir] },
        evaluator: {
          apiTokens: [TOKEN],
          tasks: ['arc_easy'],
          taskDataDir: resolve(__dirname, '../../../libs/evaluation/fixtures/eval/data'),
          sqlitePath: join(dir, 'results.sqlite'),
        },
      },
    },
  });
  const apps: Record<string, INestApplication> = {};
  const started: Array<() => Promise<void>> = [];
  const nest = async (name: string, module: DynamicModule) => {
    const app = await createHttpApp(module, { logger: false }); // as every service's main makes its app
    await app.listen(0, '127.0.0.1');
    apps[name] = app;
    started.push(() => app.close());
  };
  try {
    for (const [name, module] of [
      ['ingest', (c: CptflowConfig, b: MemoryBus) => IngestServiceModule.register(c, b)],
      ['quality-filter', qualityFilterModule],
      ['dedup', dedupModule],
      ['packer', packerModule],
    ] as const) {
      await nest(name, await module(config, new MemoryBus()));
    }
    const trainerBus = testBus();
    await nest('trainer', TrainerModule.register(testTrainerOptions(trainerBus), async () => trainerBus.close(), [TOKEN]));
    const evaluator = await EvaluatorApp.start({ config, evaluator: evaluatorConfigFrom(config, {}), bus: new MemoryBus(), logger: false, log: () => undefined });
    apps.evaluator = evaluator.http;
    started.push(() => evaluator.stop());

    const checked: string[] = [];
    for (const [name, app] of Object.entries(apps)) {
      const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      for (const { method, path } of routesOf(app).filter((r) => MUTATING.has(r.method))) {
        const url = base + path.replace(/:(\w+)/g, 'x');
        for (const headers of [{}, { Authorization: 'Bearer not-the-token-0123456789' }, { Authorization: TOKEN }] as Array<Record<string, string>>) {
          for (const body of ['{}', '{"unfinished', JSON.stringify({ pad: 'x'.repeat(200_000) })]) {
            const res = await fetch(url, { method: method.toUpperCase(), headers: { 'content-type': 'application/json', ...headers }, body });
            assert.equal(res.status, 401, `${name}: ${method.toUpperCase()} ${path} with ${JSON.stringify(headers)} and a ${body.length}-byte body answered ${res.status}`);
            assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /, `${name}: ${path} names the scheme`);
          }
        }
        checked.push(`${name} ${method.toUpperCase()} ${path}`);
      }
    }
    console.log(`mutating routes checked:\n  ${checked.join('\n  ')}`);
    // The enumeration found the routes we know of (so it cannot pass by finding none).
    for (const known of ['ingest POST /ingest/upload', 'ingest POST /ingest/path', 'trainer POST /schedule/decay', 'evaluator POST /evaluations']) {
      assert.ok(checked.includes(known), `${known} not found among ${checked.join(', ')}`);
    }
  } finally {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});

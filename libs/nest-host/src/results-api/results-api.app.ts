// A standalone Nest HTTP app serving only the results API (tests, and the evaluator until it has a
// root module of its own). Listening is left to the caller: app.listen(port, '127.0.0.1').
import type { INestApplication } from '@nestjs/common';
import { createHttpApp } from '../http-app';
import { serveOpenApi } from './openapi';
import { type ResultsApiOptions, ResultsApiModule } from './results-api.module';

export async function createResultsApiApp(options: ResultsApiOptions & { logger?: false }): Promise<INestApplication> {
  const app = await createHttpApp(ResultsApiModule.register(options), { logger: options.logger ?? ['error', 'warn'] });
  serveOpenApi(app);
  return app;
}

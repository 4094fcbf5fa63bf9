// The OpenAPI document of the results API, built from the controllers' decorators and served by the
// app: JSON at /api/docs-json, a browsable page at /api/docs.
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export const OPENAPI_UI_PATH = 'api/docs';
export const OPENAPI_JSON_PATH = 'api/docs-json';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('cptflow evaluation results')
    .setDescription(
      'Scores of every checkpoint of a continued pre-training run on lm-evaluation-harness tasks: lists, ' +
        'per-checkpoint results, deltas against the base model, trends over tokens seen, and a trigger for new evaluations.',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  return SwaggerModule.createDocument(app, config);
}

export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup(OPENAPI_UI_PATH, app, () => buildOpenApiDocument(app), { jsonDocumentUrl: OPENAPI_JSON_PATH, raw: ['json'] });
}

// Every cptflow HTTP app is made here: the Nest application, with changes authorised before their
// body is read.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DynamicModule, INestApplication, NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { API_TOKENS, BEARER_CHALLENGE, BearerTokens } from './bearer-token.guard';

const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A module that cannot be built throws here (its caller exits or cleans up), rather than Nest exiting the process. */
export async function createHttpApp(module: DynamicModule, options: NestApplicationOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create(module, { abortOnError: false, ...options });
  refuseUnauthorisedMutations(app);
  return app;
}

/**
 * Nest parses JSON and form bodies before any guard runs, so an anonymous POST with a malformed or
 * oversized body was answered 400 or 413 (its body parsed for nobody) instead of 401. Added before
 * Nest adds its body parsers (at init), this answers every POST/PUT/PATCH/DELETE without a valid
 * token of the app's API_TOKENS 401, unread. `BearerTokenGuard` stays on each mutating route.
 */
export function refuseUnauthorisedMutations(app: INestApplication): void {
  // Every app provides API_TOKENS: a service its tokens, a pipeline stage none (StageHostModule), so
  // every change to a stage is refused. An app without it fails here, at start.
  const bearer = new BearerTokens(app.get<readonly string[]>(API_TOKENS, { strict: false }));
  app.use((request: IncomingMessage, response: ServerResponse, next: () => void) => {
    if (!MUTATING_METHODS.has(request.method ?? '')) return next();
    const refusal = bearer.refusal(request.headers.authorization);
    if (refusal === null) return next();
    const body = JSON.stringify({ statusCode: 401, error: 'Unauthorized', message: refusal });
    const headers: Record<string, string | number> = { 'WWW-Authenticate': BEARER_CHALLENGE, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) };
    // An upload refused unread is not drained: the connection closes after the answer.
    if (!request.readableEnded) headers.Connection = 'close';
    response.writeHead(401, headers);
    response.end(body);
  });
}

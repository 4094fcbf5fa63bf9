import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { BearerTokenGuard } from './bearer-token.guard';

/** What the guard reads of a request (its Authorization header) and writes to the response (the challenge). */
function contextWith(authorization: string | undefined): { context: ExecutionContext; challenge: () => string | undefined } {
  let challenge: string | undefined;
  const request = { headers: { authorization } };
  const response = { setHeader: (_name: string, value: string) => (challenge = value) };
  const context = { switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }) } as unknown as ExecutionContext;
  return { context, challenge: () => challenge };
}

test('the bearer-token guard: the scheme is case-insensitive; wrong, partial, other-scheme or missing tokens get 401 with a Bearer challenge', () => {
  const token = 'correct-horse-battery-staple';
  const guard = new BearerTokenGuard([token, 'a-second-token-0123456789']);
  assert.equal(guard.canActivate(contextWith(`Bearer ${token}`).context), true);
  assert.equal(guard.canActivate(contextWith(`bearer ${token}`).context), true);
  assert.equal(guard.canActivate(contextWith('Bearer a-second-token-0123456789').context), true);
  for (const header of [`Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, `Basic ${token}`, 'Bearer ', undefined]) {
    const { context, challenge } = contextWith(header);
    assert.throws(() => guard.canActivate(context), UnauthorizedException, String(header));
    assert.match(challenge() ?? '', /^Bearer /);
  }
});

test('a service with no token (or only empty ones) accepts no changes at all', () => {
  for (const tokens of [[], ['']]) {
    assert.throws(() => new BearerTokenGuard(tokens).canActivate(contextWith('Bearer ').context), /no API token configured/);
  }
});

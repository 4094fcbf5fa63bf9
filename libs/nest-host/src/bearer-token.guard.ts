// The one guard for every mutating endpoint of every service: `Authorization: Bearer <token>` with
// one of the service's API tokens (provided under API_TOKENS). A service with no token configured
// refuses every mutation rather than allowing any.
import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';

export const API_TOKENS = Symbol('cptflow.apiTokens');

/** Short tokens can be guessed; 16 characters is a floor, not a recommendation (use 32+ random bytes). */
export const MIN_API_TOKEN_LENGTH = 16;

/** RFC 6750 section 3: a 401 for a bearer-protected resource names the scheme it expects. */
export const BEARER_CHALLENGE = 'Bearer realm="cptflow"';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Checks an Authorization header against a service's tokens; shared by the guard and `refuseUnauthorisedMutations`. */
export class BearerTokens {
  private readonly digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.filter((t) => t.length > 0).map(digest);
  }

  /** Why `header` does not authorise a change, or null when it does. */
  refusal(header: string | string[] | undefined): string | null {
    if (this.digests.length === 0) return 'this service has no API token configured, so it accepts no changes';
    const match = typeof header === 'string' ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
    if (!match) return 'this endpoint needs an API token: send "Authorization: Bearer <token>"';
    // Comparing fixed-length digests in constant time says nothing about how much of a token matched.
    const offered = digest(match[1]!);
    return this.digests.some((d) => timingSafeEqual(d, offered)) ? null : 'the API token is not valid';
  }
}

@Injectable()
export class BearerTokenGuard implements CanActivate {
  private readonly tokens: BearerTokens;

  constructor(@Inject(API_TOKENS) tokens: readonly string[]) {
    this.tokens = new BearerTokens(tokens);
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    http.getResponse<{ setHeader(name: string, value: string): void }>().setHeader('WWW-Authenticate', BEARER_CHALLENGE);
    const refusal = this.tokens.refusal(request.headers.authorization);
    if (refusal !== null) throw new UnauthorizedException(refusal);
    return true;
  }
}

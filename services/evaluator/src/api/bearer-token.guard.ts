// Mutating endpoints need `Authorization: Bearer <token>` with one of the configured API tokens.
import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';

export const API_TOKENS = Symbol('API_TOKENS');

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

@Injectable()
export class BearerTokenGuard implements CanActivate {
  private readonly digests: Buffer[];

  constructor(@Inject(API_TOKENS) tokens: readonly string[]) {
    this.digests = tokens.map(digest);
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    // RFC 6750 section 3: a 401 for a bearer-protected resource names the scheme it expects.
    http.getResponse<{ setHeader(name: string, value: string): void }>().setHeader('WWW-Authenticate', 'Bearer realm="cptflow"');
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new UnauthorizedException('this endpoint needs an API token: send "Authorization: Bearer <token>"');
    // Comparing fixed-length digests in constant time says nothing about how much of a token matched.
    const offered = digest(match[1]);
    if (!this.digests.some((d) => timingSafeEqual(d, offered))) throw new UnauthorizedException('the API token is not valid');
    return true;
  }
}

// Bearer-token check that takes the same time whether the first or the last character is wrong.
import { createHash, timingSafeEqual } from 'node:crypto';

/** The token from an `Authorization: Bearer <token>` header, or undefined. */
export function bearerTokenOf(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  return match ? match[1] : undefined;
}

/**
 * Compares SHA-256 digests rather than the tokens themselves: timingSafeEqual needs equal lengths, and
 * digests have a fixed length, so neither the content nor the length of the expected token leaks.
 */
export function tokensMatch(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b) && expected.length > 0;
}

export function isAuthorized(authorization: string | undefined, expected: string): boolean {
  const presented = bearerTokenOf(authorization);
  return presented !== undefined && tokensMatch(presented, expected);
}

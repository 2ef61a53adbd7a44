import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Pure: constant-time equality of two strings (verify token, bearer token). Both sides are hashed
 * to 32 bytes first, so neither the content nor the length leaks through timing. An absent or
 * empty expected value never matches.
 */
export function verifyToken(received: string | undefined | null, expected: string | undefined | null): boolean {
  if (typeof received !== 'string' || typeof expected !== 'string' || expected.length === 0) return false;
  const a = createHash('sha256').update(received, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

import { createHmac, timingSafeEqual } from 'node:crypto';

const SIGNATURE_PREFIX = 'sha256=';
/** HMAC-SHA256 digests are 32 bytes = 64 hex characters. */
const SHA256_HEX_LENGTH = 64;
const HEX = /^[0-9a-fA-F]+$/;

/**
 * Pure: true when `header` is `sha256=<hex>` and the hex equals HMAC-SHA256(appSecret, rawBody).
 *
 * The HMAC runs over the bytes exactly as received: Meta signs its escaped-unicode JSON, so
 * re-serialising a parsed body breaks signatures on accents and emoji. Digests are compared with
 * `timingSafeEqual` after a length check. Several secrets may be passed during a rotation.
 * Never throws: a missing, malformed or wrong-length header is simply `false`.
 */
export function verifyMetaSignature(rawBody: Buffer, header: string | undefined, appSecret: string | readonly string[]): boolean {
  if (typeof header !== 'string' || !Buffer.isBuffer(rawBody)) return false;
  const trimmed = header.trim();
  if (trimmed.slice(0, SIGNATURE_PREFIX.length).toLowerCase() !== SIGNATURE_PREFIX) return false;
  const hex = trimmed.slice(SIGNATURE_PREFIX.length);
  if (hex.length !== SHA256_HEX_LENGTH || !HEX.test(hex)) return false;
  const received = Buffer.from(hex, 'hex');
  const secrets = (typeof appSecret === 'string' ? [appSecret] : appSecret).filter((s) => typeof s === 'string' && s.length > 0);
  let ok = false;
  // Check every secret (no early exit) so timing does not reveal which one matched.
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    if (expected.length === received.length && timingSafeEqual(expected, received)) ok = true;
  }
  return ok;
}

/** Pure: the `X-Hub-Signature-256` value Meta would send for these bytes (tests, tooling). */
export function computeMetaSignature(rawBody: Buffer | string, appSecret: string): string {
  return SIGNATURE_PREFIX + createHmac('sha256', appSecret).update(rawBody).digest('hex');
}

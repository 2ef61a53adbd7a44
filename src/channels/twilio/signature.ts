import { createHmac } from 'node:crypto';
import { verifyToken } from '../../kernel/token.js';

/** A form body's parameters in arrival order; a name may repeat. */
export type FormParams = readonly (readonly [string, string])[];

/**
 * Pure: the string Twilio signs — the full URL exactly as Twilio requested it (query string
 * included), then every POST parameter as name + value with no separator, sorted by name (the
 * values of a repeated name sorted too, as Twilio's SDKs do). Every parameter counts, known or
 * not: Twilio adds parameters without notice.
 */
export function twilioSignatureBase(url: string, params: FormParams): string {
  const sorted = [...params].sort(([a, x], [b, y]) => (a === b ? compare(x, y) : compare(a, b)));
  return url + sorted.map(([name, value]) => name + value).join('');
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Pure: the `X-Twilio-Signature` Twilio would send: base64(HMAC-SHA1(auth token, the signed string)). */
export function computeTwilioSignature(authToken: string, url: string, params: FormParams): string {
  return createHmac('sha1', authToken).update(twilioSignatureBase(url, params), 'utf8').digest('base64');
}

/**
 * Pure: the URL with and without an explicit port. Twilio may sign `https://host/p` as
 * `https://host:443/p` or the reverse (its SDKs accept both), so both spellings are checked.
 */
function portVariants(url: string): string[] {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme, authority, rest] = match;
  const withoutPort = authority.replace(/:\d+$/, '');
  if (withoutPort !== authority) return [url, scheme + withoutPort + rest];
  const port = scheme.toLowerCase() === 'https://' ? 443 : scheme.toLowerCase() === 'http://' ? 80 : undefined;
  return port === undefined ? [url] : [url, `${scheme}${authority}:${port}${rest}`];
}

/**
 * Pure: true when `header` is the signature of `params` posted to `url`, for the auth token.
 * Each candidate is compared in constant time (kernel/token.ts) and all are checked, so timing
 * does not tell which matched. Never throws: a missing or malformed header is simply `false`.
 */
export function verifyTwilioSignature(header: string | undefined, authToken: string, url: string, params: FormParams): boolean {
  if (typeof header !== 'string' || header.length === 0 || authToken.length === 0) return false;
  let ok = false;
  for (const candidate of portVariants(url)) if (verifyToken(header.trim(), computeTwilioSignature(authToken, candidate, params))) ok = true;
  return ok;
}

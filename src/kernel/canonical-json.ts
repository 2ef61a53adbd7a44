import { createHash } from 'node:crypto';
import { ValidationError } from './errors.js';

/**
 * Pure: canonical JSON — object keys sorted by UTF-16 code units at every level, no whitespace,
 * values as JSON.stringify writes them (RFC 8785 style for plain data: strings, finite numbers,
 * booleans, null, arrays, objects). Object members that are `undefined` or functions are dropped
 * and `undefined` array elements become null, as JSON does; a Date is its ISO string. Values JSON
 * cannot carry faithfully (non-finite numbers, bigints) throw a ValidationError rather than being
 * silently changed, so two different values never share a text. Stored congregado hashes depend
 * on these exact bytes.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new ValidationError('canonical JSON cannot hold a non-finite number');
    if (typeof value === 'bigint') throw new ValidationError('canonical JSON cannot hold a bigint; convert it to a string or number first');
    return JSON.stringify(value ?? null);
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** Pure: SHA-256 (hex) of the UTF-8 bytes of `value`'s canonical JSON. */
export function canonicalHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
}

import type { BackendCall } from '../contracts/backends.js';

/**
 * Whether two backend calls are the same call (same operation and request, key order and
 * `undefined` fields ignored). Pure. The engine may import only contracts, so this keeps its own
 * canonical form; it is meant to become `sameBackendCall()` of `contracts/backends.ts` once the
 * kernel's one canonical JSON exists, and then this file goes.
 */
export function sameCall(a: BackendCall, b: BackendCall): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

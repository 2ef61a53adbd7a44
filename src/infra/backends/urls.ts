import { BACKEND_ENV, BACKEND_CONTRACTS, type BackendOperation } from '../../contracts/backends.js';

/**
 * Pure: reads the six `LAMBDA_*` URLs from a config/env record.
 * `urls` is set only when all six are present; `missing` lists the unset variables, so the caller
 * can start the demo backend (all missing) or refuse to start (some missing).
 */
export function backendUrlsFrom(values: Record<string, unknown>): {
  urls?: Record<BackendOperation, string>;
  missing: string[];
} {
  const urls: Partial<Record<BackendOperation, string>> = {};
  const missing: string[] = [];
  for (const operation of Object.keys(BACKEND_CONTRACTS) as BackendOperation[]) {
    const value = values[BACKEND_ENV[operation]];
    if (typeof value === 'string' && value.length > 0) urls[operation] = value;
    else missing.push(BACKEND_ENV[operation]);
  }
  return missing.length === 0 ? { urls: urls as Record<BackendOperation, string>, missing } : { missing };
}

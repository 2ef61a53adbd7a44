import { BACKEND_ENV, BACKEND_CONTRACTS, type BackendOperation } from '../../contracts/backends.js';

/**
 * Pure: the six `LAMBDA_*` URLs from a config/env record, or `undefined` unless all six are set
 * (none set: the caller starts the demo backend; loadConfig refuses a partial set).
 */
export function backendUrlsFrom(values: Record<string, unknown>): Record<BackendOperation, string> | undefined {
  const urls: Partial<Record<BackendOperation, string>> = {};
  for (const operation of Object.keys(BACKEND_CONTRACTS) as BackendOperation[]) {
    const value = values[BACKEND_ENV[operation]];
    if (typeof value !== 'string' || value.length === 0) return undefined;
    urls[operation] = value;
  }
  return urls as Record<BackendOperation, string>;
}

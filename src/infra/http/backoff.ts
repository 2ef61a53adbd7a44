/** Exponential backoff settings: the cap grows as `baseMs * 2^retry`, never above `maxMs`. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, maxMs: 2_000 };

/**
 * Pure: the delay before retry number `retry` (0 for the first retry), with "full jitter":
 * a uniform draw in [0, cap). Full jitter spreads synchronized clients best (AWS Architecture blog).
 */
export function backoffDelay(retry: number, options: BackoffOptions, random: () => number): number {
  const cap = Math.min(options.maxMs, options.baseMs * 2 ** retry);
  return Math.floor(random() * cap);
}

/** A real sleep; tests inject an instant one. */
export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

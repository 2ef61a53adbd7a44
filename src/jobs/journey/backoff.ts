/** Retry policy of a step: `maxRetries` counts retries after the first attempt. */
export interface RetryPolicy {
  maxRetries: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
}

/**
 * Pure: the delay before retry number `retry` (1-based), exponential with full jitter:
 * a uniform draw in [0, min(cap, base × 2^(retry−1))). Jitter spreads out owners that fail together.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number): number {
  const ceiling = Math.min(policy.maxRetryDelayMs, policy.retryDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

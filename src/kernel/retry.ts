import { z } from 'zod';

/** Backoff for transient send failures; validated data so each rule has a test. */
export const retryPolicySchema = z
  .object({
    /** Total attempts including the first (1 = no retry). */
    maxAttempts: z.number().int().min(1).max(10).default(4),
    /** Cap of the first retry delay, milliseconds; doubles per attempt. */
    baseDelayMs: z.number().int().min(0).default(500),
    /** Upper bound of any single delay, milliseconds. */
    maxDelayMs: z.number().int().min(0).default(8_000),
  })
  .refine((p) => p.maxDelayMs >= p.baseDelayMs, { message: 'maxDelayMs must be ≥ baseDelayMs' });
export type RetryPolicy = z.infer<typeof retryPolicySchema>;

/**
 * Pure: the delay before retry number `retry` (1-based) with "equal jitter": half of the
 * exponential cap is fixed, the other half random, so retries spread out but never collapse to 0.
 * `random` returns [0, 1).
 */
export function backoffDelayMs(policy: RetryPolicy, retry: number, random: () => number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(cap / 2 + random() * (cap / 2));
}

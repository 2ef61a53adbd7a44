import { z } from 'zod';

/**
 * A retry policy as validated data, with Temporal's names, so a workflow step's `retry` and every
 * HTTP client share one shape. The policy only says how many attempts and how long between them;
 * the caller decides what is retryable and whether the delay is slept or stored as a due time.
 */
export const retryPolicySchema = z
  .object({
    /** Total attempts including the first (1 = no retry). */
    maxAttempts: z.number().int().min(1).max(100).default(3),
    /** Ceiling of the delay after the first attempt, milliseconds. */
    initialDelayMs: z.number().int().min(0).default(1_000),
    /** How much the ceiling grows per attempt (2 doubles it). */
    backoffCoefficient: z.number().min(1).max(10).default(2),
    /** Upper bound of any single delay, milliseconds. */
    maxDelayMs: z.number().int().min(0).default(30_000),
    /**
     * full: uniform in [0, ceiling), spreads synchronised clients best (AWS Architecture blog);
     * equal: half the ceiling plus a uniform half, in [ceiling/2, ceiling], spread out but never
     * near 0; none: the ceiling itself.
     */
    jitter: z.enum(['full', 'equal', 'none']).default('full'),
  })
  .refine((p) => p.maxDelayMs >= p.initialDelayMs, { message: 'maxDelayMs must be ≥ initialDelayMs', path: ['maxDelayMs'] });

export type RetryPolicy = z.infer<typeof retryPolicySchema>;
/** What callers write: every field optional, defaults filled by `retryPolicySchema.parse`. */
export type RetryPolicyInput = z.input<typeof retryPolicySchema>;

/**
 * Pure: whole milliseconds to wait after attempt number `attempt` (1 = the first attempt) failed,
 * before the next one. The ceiling is `initialDelayMs × backoffCoefficient^(attempt−1)`, never above
 * `maxDelayMs`; `random` returns [0, 1).
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.backoffCoefficient ** (attempt - 1));
  switch (policy.jitter) {
    case 'full':
      return Math.floor(random() * ceiling);
    case 'equal':
      return Math.round(ceiling / 2 + random() * (ceiling / 2));
    case 'none':
      return Math.round(ceiling);
  }
}

/** The reason `signal` was aborted with (the platform's AbortError unless the aborter gave one), as an Error. */
const abortReason = (signal: AbortSignal): Error =>
  signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason), { cause: signal.reason });

/** Resolves after `ms` of real time; rejects with the signal's reason as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

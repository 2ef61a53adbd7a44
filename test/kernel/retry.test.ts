import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, retryPolicySchema, sleep } from '../../src/kernel/retry.js';

const policy = (jitter: 'full' | 'equal' | 'none', more: object = {}) =>
  retryPolicySchema.parse({ maxAttempts: 11, initialDelayMs: 100, maxDelayMs: 1_000, jitter, ...more });

describe('retryPolicySchema', () => {
  it('when nothing is given, then 3 attempts from 1 s doubling to 30 s with full jitter (the workflow step default)', () => {
    expect(retryPolicySchema.parse({})).toEqual({ maxAttempts: 3, initialDelayMs: 1_000, backoffCoefficient: 2, maxDelayMs: 30_000, jitter: 'full' });
  });

  it('when maxDelayMs is below initialDelayMs or attempts are 0, then the policy is rejected', () => {
    expect(retryPolicySchema.safeParse({ initialDelayMs: 10, maxDelayMs: 5 }).success).toBe(false);
    expect(retryPolicySchema.safeParse({ maxAttempts: 0 }).success).toBe(false);
  });

  it('when several fields are invalid, then every problem is reported with its field', () => {
    const result = retryPolicySchema.safeParse({ maxAttempts: 1.5, initialDelayMs: -1, backoffCoefficient: 0.5, maxDelayMs: 'x', jitter: 'some' });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['backoffCoefficient', 'initialDelayMs', 'jitter', 'maxAttempts', 'maxDelayMs']);
  });
});

describe('backoffDelay', () => {
  it('when jitter is full, then the delay is drawn in [0, ceiling): the ceiling doubles per attempt and is capped', () => {
    const full = policy('full');
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(full, n, () => 0.999))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(full, 1, () => 0)).toBe(0);
    expect(backoffDelay(full, 3, () => 0)).toBe(0);
    expect(backoffDelay(full, 11, () => 0.999)).toBe(999);
  });

  it('when jitter is equal, then the delay stays in [ceiling/2, ceiling] and under the cap', () => {
    const equal = policy('equal');
    expect([1, 2, 3].map((n) => backoffDelay(equal, n, () => 0))).toEqual([50, 100, 200]);
    expect([1, 2, 3].map((n) => backoffDelay(equal, n, () => 0.999999))).toEqual([100, 200, 400]);
    expect(backoffDelay(equal, 10, () => 0.999999)).toBe(1000);
  });

  it('when jitter is none, then the delay is the ceiling itself whatever the random source says', () => {
    const none = policy('none');
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(none, n, () => 0.3))).toEqual([100, 200, 400, 800, 1_000]);
  });

  it('when the coefficient is 3, then the ceiling triples per attempt', () => {
    expect([1, 2, 3].map((n) => backoffDelay(policy('none', { backoffCoefficient: 3, maxDelayMs: 10_000 }), n, Math.random))).toEqual([100, 300, 900]);
  });
});

describe('sleep', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('when the time passes, then it resolves, and not before', async () => {
    vi.useFakeTimers();
    let done = false;
    const slept = sleep(1_000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await slept;
    expect(done).toBe(true);
  });

  it('when the signal aborts during the wait, then it rejects with the reason at once and leaves no timer', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const slept = sleep(60_000, controller.signal);
    controller.abort(new Error('lease lost'));
    await expect(slept).rejects.toThrow('lease lost');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('when the signal is already aborted, then it rejects without waiting', async () => {
    await expect(sleep(60_000, AbortSignal.abort(new Error('stopped')))).rejects.toThrow('stopped');
  });
});

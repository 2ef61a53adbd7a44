import { describe, expect, it } from 'vitest';
import { classifyGraphResponse, classifyNetworkError } from '../../../src/channels/meta/errors.js';
import { backoffDelayMs, retryPolicySchema } from '../../../src/kernel/retry.js';

const err = (code: number, message = 'm') => ({ error: { code, message } });

describe('classifyGraphResponse', () => {
  it('when 200 with a wamid, then sent', () => {
    expect(classifyGraphResponse(200, { messages: [{ id: 'wamid.1' }] })).toEqual({ kind: 'sent', providerMessageId: 'wamid.1' });
  });
  it('when 200 without a message id, then a terminal failure (retrying could send twice)', () => {
    expect(classifyGraphResponse(200, {})).toMatchObject({ kind: 'fail', code: 'invalid_response' });
  });
  it('when 5xx, 429 or a transient code, then retry', () => {
    expect(classifyGraphResponse(500, undefined)).toMatchObject({ kind: 'retry', code: 'http_500' });
    expect(classifyGraphResponse(429, err(130429))).toMatchObject({ kind: 'retry', code: 130429, reason: 'throughput_limit' });
    expect(classifyGraphResponse(400, err(130429))).toMatchObject({ kind: 'retry', code: 130429 });
    expect(classifyGraphResponse(500, err(131000))).toMatchObject({ kind: 'retry', code: 131000 });
    expect(classifyGraphResponse(400, err(131056))).toMatchObject({ kind: 'retry', code: 131056, reason: 'pair_rate_limit' });
  });
  it('when a retryable answer carries Retry-After in seconds, then the hint is returned in ms', () => {
    expect(classifyGraphResponse(429, err(130429), '2')).toMatchObject({ kind: 'retry', retryAfterMs: 2000 });
    expect(classifyGraphResponse(429, err(130429), 'Wed, 21 Oct 2015 07:28:00 GMT')).not.toHaveProperty('retryAfterMs');
  });
  it('when 131047, then a terminal failure with reason outside_24h_window even behind a 5xx', () => {
    expect(classifyGraphResponse(400, err(131047))).toEqual({ kind: 'fail', code: 131047, reason: 'outside_24h_window' });
    expect(classifyGraphResponse(502, err(131047))).toEqual({ kind: 'fail', code: 131047, reason: 'outside_24h_window' });
  });
  it('when an unknown 4xx code, then a terminal failure with Meta’s message as reason', () => {
    expect(classifyGraphResponse(400, err(999999, '(#999999) odd'))).toEqual({ kind: 'fail', code: 999999, reason: '(#999999) odd' });
    expect(classifyGraphResponse(404, 'not json')).toEqual({ kind: 'fail', code: 'http_404', reason: 'http_404' });
  });
});

describe('classifyNetworkError', () => {
  it('when the connection was refused, then not sent (safe to retry); when it timed out, then unknown', () => {
    expect(classifyNetworkError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }))).toEqual({
      notSent: true,
      code: 'ECONNREFUSED',
    });
    expect(classifyNetworkError(new DOMException('timed out', 'TimeoutError'))).toEqual({ notSent: false, code: 'timeout' });
    expect(classifyNetworkError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } }))).toEqual({
      notSent: false,
      code: 'ECONNRESET',
    });
  });
});

describe('retry policy', () => {
  const policy = retryPolicySchema.parse({ baseDelayMs: 100, maxDelayMs: 1000 });
  it('when nothing is given, then 4 attempts starting at 500 ms capped at 8 s', () => {
    expect(retryPolicySchema.parse({})).toEqual({ maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 8000 });
  });
  it('when maxDelayMs is below baseDelayMs or attempts are 0, then the policy is rejected', () => {
    expect(retryPolicySchema.safeParse({ baseDelayMs: 10, maxDelayMs: 5 }).success).toBe(false);
    expect(retryPolicySchema.safeParse({ maxAttempts: 0 }).success).toBe(false);
  });
  it('when retrying, then the delay doubles per retry with equal jitter and stays under the cap', () => {
    expect([1, 2, 3].map((n) => backoffDelayMs(policy, n, () => 0))).toEqual([50, 100, 200]);
    expect([1, 2, 3].map((n) => backoffDelayMs(policy, n, () => 0.999999))).toEqual([100, 200, 400]);
    expect(backoffDelayMs(policy, 10, () => 0.999999)).toBe(1000);
  });
});

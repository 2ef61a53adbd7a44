import { describe, expect, it } from 'vitest';
import { classifyGraphResponse } from '../../../src/channels/meta/errors.js';
import { classifyNetworkError } from '../../../src/channels/http-send.js';
import { META_SEND_RETRY } from '../../../src/channels/meta/sender.js';
import { retryPolicySchema } from '../../../src/kernel/retry.js';

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

describe('Meta send retry policy', () => {
  it('when the sender is given no retry policy, then 4 attempts starting at 500 ms capped at 8 s, with equal jitter', () => {
    expect(retryPolicySchema.parse(META_SEND_RETRY)).toEqual({ maxAttempts: 4, initialDelayMs: 500, backoffCoefficient: 2, maxDelayMs: 8000, jitter: 'equal' });
  });
});

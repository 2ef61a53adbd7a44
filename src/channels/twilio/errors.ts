import { classifyFailure, type ErrorCodeTable, type SendOutcome } from '../http-send.js';

/**
 * Classification of Messages API answers. Data, not control flow: the codes worth retrying, and
 * stable reasons for the known ones (Twilio's error catalogue, twilio.com/docs/api/errors).
 */
const TWILIO_CODES: ErrorCodeTable = {
  /** Transient: too many requests (20429), the channel's rate limit (63018), Twilio's own errors (20500, 20503). */
  retryable: new Set([20429, 20500, 20503, 63018]),
  /** Unknown codes fall back to Twilio's message. */
  reasons: {
    63016: 'outside_24h_window',
    63018: 'throughput_limit',
    63038: 'daily_limit',
    63003: 'undeliverable',
    63024: 'invalid_recipient',
    63007: 'sender_not_found',
    21211: 'invalid_recipient',
    21610: 'recipient_opted_out',
    21617: 'body_too_long',
    20003: 'auth_failed',
    20429: 'too_many_requests',
    20500: 'provider_error',
    20503: 'provider_unavailable',
  },
};

/** Twilio's answer: the Message resource (`sid`, `status`…) or an error `{code, message, more_info, status}`. */
interface TwilioAnswer {
  sid?: unknown;
  code?: unknown;
  message?: unknown;
}

/**
 * Pure: what one HTTP answer of `POST …/Messages.json` means. 2xx with the message `sid` → sent
 * (its statuses arrive by callback); otherwise Twilio's error `code` classified by the table:
 * 429, 5xx and the transient codes are retried, 63016 (outside the 24 h window) and the other
 * known codes are terminal, even behind a 5xx.
 */
export function classifyTwilioResponse(status: number, body: unknown, retryAfter: string | null): SendOutcome {
  const parsed = (body && typeof body === 'object' ? body : {}) as TwilioAnswer;
  if (status >= 200 && status < 300) {
    if (typeof parsed.sid === 'string' && parsed.sid.length > 0) return { kind: 'sent', providerMessageId: parsed.sid };
    // Accepted but unreadable: retrying could send twice, so it is a terminal failure.
    return { kind: 'fail', code: 'invalid_response', reason: 'no message sid in a 2xx answer' };
  }
  const code = typeof parsed.code === 'number' ? parsed.code : undefined;
  const message = typeof parsed.message === 'string' ? parsed.message : undefined;
  return classifyFailure({ status, code, message, retryAfter }, TWILIO_CODES);
}

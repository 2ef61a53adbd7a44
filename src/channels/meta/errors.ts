import { classifyFailure, type ErrorCodeTable, type SendOutcome } from '../http-send.js';

/**
 * Classification of Cloud API answers (whatsapp-providers.md §2.4). Data, not control flow:
 * the codes worth retrying and stable reasons for the known ones.
 */
const META_CODES: ErrorCodeTable = {
  /** Transient: throughput (130429), pair rate (131056), app rate limit (4), unknown/unavailable (1, 2, 131000). */
  retryable: new Set([1, 2, 4, 130429, 131000, 131056]),
  /** Unknown codes fall back to Meta's message. */
  reasons: {
    131047: 'outside_24h_window',
    131026: 'undeliverable',
    131051: 'unsupported_message_type',
    131048: 'spam_rate_limit',
    131049: 'not_delivered_by_meta',
    131042: 'business_eligibility',
    131031: 'account_locked',
    132000: 'template_param_mismatch',
    132001: 'template_not_found',
    368: 'policy_block',
    190: 'access_token_invalid',
    100: 'invalid_parameter',
    130429: 'throughput_limit',
    131056: 'pair_rate_limit',
    131000: 'provider_error',
    4: 'app_rate_limit',
    1: 'provider_unknown_error',
    2: 'provider_unavailable',
  },
};

interface GraphErrorBody {
  error?: { code?: unknown; message?: unknown };
  messages?: { id?: unknown }[];
}

/**
 * Pure: what one HTTP answer of `POST /messages` means. 2xx with `messages[0].id` → sent;
 * otherwise Meta's `error.code` classified by the table (see classifyFailure).
 */
export function classifyGraphResponse(status: number, body: unknown, retryAfter?: string | null): SendOutcome {
  const parsed = (body && typeof body === 'object' ? body : {}) as GraphErrorBody;
  if (status >= 200 && status < 300) {
    const id = parsed.messages?.[0]?.id;
    if (typeof id === 'string' && id.length > 0) return { kind: 'sent', providerMessageId: id };
    // Accepted but unreadable: retrying could send twice, so it is a terminal failure.
    return { kind: 'fail', code: 'invalid_response', reason: 'no message id in a 2xx answer' };
  }
  const code = typeof parsed.error?.code === 'number' ? parsed.error.code : undefined;
  const message = typeof parsed.error?.message === 'string' ? parsed.error.message : undefined;
  return classifyFailure({ status, code, message, retryAfter }, META_CODES);
}

/**
 * Classification of Cloud API answers (whatsapp-providers.md §2.4). Data, not control flow:
 * one table of retryable codes and one of stable reasons for terminal ones.
 */

/** Transient: throughput (130429), pair rate (131056), app rate limit (4), unknown/unavailable (1, 2, 131000). */
const RETRYABLE_META_CODES: ReadonlySet<number> = new Set([1, 2, 4, 130429, 131000, 131056]);

/** Stable reasons stored with a failed outbox entry; unknown codes fall back to Meta's message. */
const META_ERROR_REASONS: Readonly<Record<number, string>> = {
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
};

export type GraphOutcome =
  | { kind: 'sent'; providerMessageId: string }
  | { kind: 'retry'; code: string | number; reason: string; retryAfterMs?: number }
  | { kind: 'fail'; code: string | number; reason: string };

/** Meta's error messages can be long; the stored reason stays short. */
const MAX_REASON_CHARS = 200;

interface GraphErrorBody {
  error?: { code?: unknown; message?: unknown };
  messages?: { id?: unknown }[];
}

/** Pure: a `Retry-After` header in seconds → milliseconds; HTTP dates and junk are ignored. */
function parseRetryAfterMs(header: string | null | undefined): number | undefined {
  if (!header || !/^\s*\d+\s*$/.test(header)) return undefined;
  return Number(header) * 1000;
}

/**
 * Pure: what one HTTP answer of `POST /messages` means. 2xx with `messages[0].id` → sent;
 * 429, 5xx and the retryable codes → retry (with the `Retry-After` hint when given);
 * everything else → fail with Meta's code (or the HTTP status when the body has none).
 */
export function classifyGraphResponse(status: number, body: unknown, retryAfter?: string | null): GraphOutcome {
  const parsed = (body && typeof body === 'object' ? body : {}) as GraphErrorBody;
  if (status >= 200 && status < 300) {
    const id = parsed.messages?.[0]?.id;
    if (typeof id === 'string' && id.length > 0) return { kind: 'sent', providerMessageId: id };
    // Accepted but unreadable: retrying could send twice, so it is a terminal failure.
    return { kind: 'fail', code: 'invalid_response', reason: 'no message id in a 2xx answer' };
  }
  const metaCode = typeof parsed.error?.code === 'number' ? parsed.error.code : undefined;
  const code = metaCode ?? `http_${status}`;
  const message = typeof parsed.error?.message === 'string' ? parsed.error.message.slice(0, MAX_REASON_CHARS) : undefined;
  const reason = (metaCode !== undefined ? META_ERROR_REASONS[metaCode] : undefined) ?? message ?? `http_${status}`;
  const retryable = status === 429 || status >= 500 || (metaCode !== undefined && RETRYABLE_META_CODES.has(metaCode));
  // A 5xx that names a terminal code (e.g. 131047 behind a proxy) is still terminal.
  const terminalCode = metaCode !== undefined && META_ERROR_REASONS[metaCode] !== undefined && !RETRYABLE_META_CODES.has(metaCode);
  if (!retryable || terminalCode) return { kind: 'fail', code, reason };
  const retryAfterMs = parseRetryAfterMs(retryAfter);
  return retryAfterMs === undefined ? { kind: 'retry', code, reason } : { kind: 'retry', code, reason, retryAfterMs };
}

/** Connection never established: the request cannot have reached Meta, so retrying is safe. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** Pure: for a thrown fetch error, whether the request surely did not leave (safe to retry) and a code. */
export function classifyNetworkError(error: unknown): { notSent: boolean; code: string } {
  const e = error as { name?: string; code?: string; cause?: { code?: string; name?: string } } | undefined;
  const code = e?.cause?.code ?? e?.code;
  if (e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError') return { notSent: false, code: 'timeout' };
  if (code && NOT_SENT_CODES.has(code)) return { notSent: true, code };
  return { notSent: false, code: code ?? 'network' };
}

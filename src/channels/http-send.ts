import type { OutboundMessage, Sender, SendResult } from '../contracts/sender.js';
import type { Logger } from '../kernel/logger.js';
import { createJsonPoster, type PostAnswer } from '../infra/http/post-json.js';
import { backoffDelay, retryPolicySchema, sleep, type RetryPolicyInput } from '../kernel/retry.js';

/** What one HTTP answer of a provider's send endpoint means. */
export type SendOutcome =
  | { kind: 'sent'; providerMessageId: string }
  | { kind: 'retry'; code: string | number; reason: string; retryAfterMs?: number }
  | { kind: 'fail'; code: string | number; reason: string };

/** Pure: a `Retry-After` header in seconds → milliseconds; HTTP dates and junk are ignored. */
function parseRetryAfterMs(header: string | null | undefined): number | undefined {
  if (!header || !/^\s*\d+\s*$/.test(header)) return undefined;
  return Number(header) * 1000;
}

/** A provider's error codes: those worth retrying, and stable reasons for the known ones (stored with a failed outbox entry). */
export interface ErrorCodeTable {
  retryable: ReadonlySet<number>;
  reasons: Readonly<Record<number, string>>;
}

/** Provider error messages can be long; the stored reason stays short. */
const MAX_REASON_CHARS = 200;

/**
 * Pure: a non-2xx answer as an outcome. 429, 5xx and the table's retryable codes → retry (with the
 * Retry-After hint when given); everything else → fail with the provider's code (or the HTTP
 * status when the body names none) and a stable reason (else the provider's message). A 5xx that
 * names a known terminal code (e.g. outside the 24 h window, behind a proxy) is still terminal.
 */
export function classifyFailure(
  answer: { status: number; code?: number; message?: string; retryAfter?: string | null },
  table: ErrorCodeTable,
): Exclude<SendOutcome, { kind: 'sent' }> {
  const { status, code: providerCode } = answer;
  const code = providerCode ?? `http_${status}`;
  const known = providerCode !== undefined ? table.reasons[providerCode] : undefined;
  const reason = known ?? answer.message?.slice(0, MAX_REASON_CHARS) ?? `http_${status}`;
  const retryableCode = providerCode !== undefined && table.retryable.has(providerCode);
  const retryable = status === 429 || status >= 500 || retryableCode;
  if (!retryable || (known !== undefined && !retryableCode)) return { kind: 'fail', code, reason };
  const retryAfterMs = parseRetryAfterMs(answer.retryAfter);
  return retryAfterMs === undefined ? { kind: 'retry', code, reason } : { kind: 'retry', code, reason, retryAfterMs };
}

/** Connection never established: the request cannot have reached the provider, so retrying is safe. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** Pure: for a thrown request error, whether the request surely did not leave (safe to retry) and a code. */
export function classifyNetworkError(error: unknown): { notSent: boolean; code: string } {
  const e = error as { name?: string; code?: string; cause?: { code?: string; name?: string } } | undefined;
  const code = e?.cause?.code ?? e?.code;
  if (e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError') return { notSent: false, code: 'timeout' };
  if (code && NOT_SENT_CODES.has(code)) return { notSent: true, code };
  return { notSent: false, code: code ?? 'network' };
}

/** The parts every HTTP sender lets a caller (or a test) replace. */
export interface HttpSenderOptions {
  logger: Logger;
  /** Defaults: the provider's own policy (META_SEND_RETRY, TWILIO_SEND_RETRY). */
  retry?: RetryPolicyInput;
  /** Per attempt, milliseconds. */
  timeoutMs?: number;
  /** Makes the per-attempt timeout signal; tests inject one they expire by hand. Default: the poster's own timer. */
  timeoutSignal?: (ms: number) => AbortSignal;
  /** Injected for tests; defaults to a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected for tests; [0, 1). */
  random?: () => number;
}

/** One provider's wire format: how a reply becomes a request, and what an answer means. */
export interface HttpSendSpec {
  /** For logs and metrics: "meta", "twilio". */
  name: string;
  defaults: RetryPolicyInput;
  /** The request for one reply, built once and sent on every attempt; `adjustments` (e.g. text cut) are logged at warn. */
  request(message: OutboundMessage): { url: string; headers: Record<string, string>; body: string; adjustments: string[] };
  /** Pure: an HTTP answer (status, parsed JSON body or undefined, Retry-After) as an outcome. */
  classify(status: number, body: unknown, retryAfter: string | null): SendOutcome;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * A `Sender` over one provider's send endpoint. Retries what the provider's `classify` calls
 * transient, with exponential backoff and jitter (never more than `maxAttempts`, honouring a
 * longer Retry-After up to the policy's cap). A request that may have reached the provider
 * (timeout, reset) is not retried — neither Meta's nor Twilio's send API has an idempotency key —
 * it is reported `failed` with `retryable: true`, and the outbox decides.
 */
export function createHttpSender(spec: HttpSendSpec, options: HttpSenderOptions): Sender {
  const policy = retryPolicySchema.parse({ ...spec.defaults, ...options.retry });
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  const poster = createJsonPoster({ timeoutSignal: options.timeoutSignal });
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const log = options.logger.child({ component: `${spec.name}-sender` });

  /** One HTTP attempt → outcome; a network error is 'retry' only when the request surely did not leave. */
  async function attempt(request: { url: string; headers: Record<string, string>; body: string }): Promise<SendOutcome & { unknownOutcome?: boolean }> {
    let response: PostAnswer;
    try {
      response = await poster.post(request.url, request.headers, request.body, timeoutMs);
    } catch (error) {
      const net = classifyNetworkError(error);
      return net.notSent
        ? { kind: 'retry', code: net.code, reason: 'connection_failed' }
        : { kind: 'fail', code: net.code, reason: 'outcome_unknown', unknownOutcome: true };
    }
    const text = response.text;
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return spec.classify(response.status, json, response.header('retry-after'));
  }

  async function send(message: OutboundMessage): Promise<SendResult> {
    const { adjustments, ...request } = spec.request(message);
    const at = { outboxId: message.outboxId };
    if (adjustments.length > 0) log.warn(`${spec.name}.send.adjusted`, { ...at, adjustments });
    for (let n = 1; ; n++) {
      const outcome = await attempt(request);
      if (outcome.kind === 'sent') {
        log.info(`${spec.name}.send.sent`, { ...at, providerMessageId: outcome.providerMessageId, attempts: n });
        return { status: 'sent', providerMessageId: outcome.providerMessageId, attempts: n };
      }
      if (outcome.kind === 'fail') {
        log.warn(`${spec.name}.send.failed`, { ...at, code: outcome.code, reason: outcome.reason, attempts: n });
        return { status: 'failed', code: outcome.code, reason: outcome.reason, retryable: outcome.unknownOutcome === true, attempts: n };
      }
      if (n >= policy.maxAttempts) {
        log.warn(`${spec.name}.send.exhausted`, { ...at, code: outcome.code, reason: outcome.reason, attempts: n });
        return { status: 'failed', code: outcome.code, reason: outcome.reason, retryable: true, attempts: n };
      }
      // Honour the provider's Retry-After when it asks for longer, but never wait beyond the policy cap.
      const delayMs = Math.min(policy.maxDelayMs, Math.max(backoffDelay(policy, n, random), outcome.retryAfterMs ?? 0));
      log.warn(`${spec.name}.send.retry`, { ...at, code: outcome.code, attempt: n, delayMs });
      await wait(delayMs);
    }
  }

  // Every attempt may run to its timeout, with the longest backoff between attempts.
  const maxSendMs = policy.maxAttempts * timeoutMs + (policy.maxAttempts - 1) * policy.maxDelayMs;
  return { name: spec.name, maxSendMs, send };
}

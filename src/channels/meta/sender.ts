import type { Logger } from '../../kernel/logger.js';
import { classifyGraphResponse, classifyNetworkError, type GraphOutcome } from './errors.js';
import { buildMetaMessageBody } from './payload.js';
import { backoffDelay, retryPolicySchema, sleep, type RetryPolicyInput } from '../../kernel/retry.js';
import type { OutboundMessage, Sender, SendResult } from '../../contracts/sender.js';

export interface MetaCloudSenderOptions {
  /** e.g. "https://graph.facebook.com" (WHATSAPP_GRAPH_URL). */
  graphUrl: string;
  /** e.g. "v21.0" (WHATSAPP_API_VERSION). */
  apiVersion: string;
  phoneNumberId: string;
  accessToken: string;
  logger: Logger;
  /** Defaults: META_SEND_RETRY. */
  retry?: RetryPolicyInput;
  /** Per attempt, milliseconds. */
  timeoutMs?: number;
  /** Makes the per-attempt timeout signal; tests inject one they expire by hand. Default: AbortSignal.timeout. */
  timeoutSignal?: (ms: number) => AbortSignal;
  /** Injected for tests; defaults to a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected for tests; [0, 1). */
  random?: () => number;
  fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** 4 attempts, 500 ms doubling up to 8 s, equal jitter: a throttled send backs off for real. */
export const META_SEND_RETRY = { maxAttempts: 4, initialDelayMs: 500, maxDelayMs: 8_000, jitter: 'equal' } as const;

/**
 * A `Sender` for the WhatsApp Cloud API: `POST {graphUrl}/{apiVersion}/{phoneNumberId}/messages`
 * with a bearer token. Retries 5xx, 429 and transient Meta codes with exponential backoff and
 * jitter (never more than `maxAttempts`); a request that may have reached Meta (timeout, reset)
 * is not retried because the API has no idempotency key — it is reported `failed` with
 * `retryable: true` and the outbox reconciles through status webhooks (`biz_opaque_callback_data`).
 */
export function createMetaCloudSender(options: MetaCloudSenderOptions): Sender {
  const policy = retryPolicySchema.parse({ ...META_SEND_RETRY, ...options.retry });
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeoutSignal = options.timeoutSignal ?? ((ms: number) => AbortSignal.timeout(ms));
  const url = `${options.graphUrl.replace(/\/+$/, '')}/${options.apiVersion}/${options.phoneNumberId}/messages`;
  const log = options.logger.child({ component: 'meta-sender' });

  /** One HTTP attempt → outcome; a network error is 'retry' only when the request surely did not leave. */
  async function attempt(body: string): Promise<GraphOutcome & { unknownOutcome?: boolean }> {
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.accessToken}`, 'content-type': 'application/json' },
        body,
        signal: timeoutSignal(timeoutMs),
      });
    } catch (error) {
      const net = classifyNetworkError(error);
      return net.notSent
        ? { kind: 'retry', code: net.code, reason: 'connection_failed' }
        : { kind: 'fail', code: net.code, reason: 'outcome_unknown', unknownOutcome: true };
    }
    const text = await response.text().catch(() => '');
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return classifyGraphResponse(response.status, json, response.headers.get('retry-after'));
  }

  async function send(message: OutboundMessage): Promise<SendResult> {
    const { body, adjustments } = buildMetaMessageBody(message);
    if (adjustments.length > 0) log.warn('meta.send.adjusted', { outboxId: message.outboxId, adjustments });
    const payload = JSON.stringify(body);
    for (let n = 1; ; n++) {
      const outcome = await attempt(payload);
      if (outcome.kind === 'sent') {
        log.info('meta.send.sent', { outboxId: message.outboxId, providerMessageId: outcome.providerMessageId, attempts: n });
        return { status: 'sent', providerMessageId: outcome.providerMessageId, attempts: n };
      }
      if (outcome.kind === 'fail') {
        log.warn('meta.send.failed', { outboxId: message.outboxId, code: outcome.code, reason: outcome.reason, attempts: n });
        return { status: 'failed', code: outcome.code, reason: outcome.reason, retryable: outcome.unknownOutcome === true, attempts: n };
      }
      if (n >= policy.maxAttempts) {
        log.warn('meta.send.exhausted', { outboxId: message.outboxId, code: outcome.code, reason: outcome.reason, attempts: n });
        return { status: 'failed', code: outcome.code, reason: outcome.reason, retryable: true, attempts: n };
      }
      // Honour Meta's Retry-After when it asks for longer, but never wait beyond the policy cap.
      const delayMs = Math.min(policy.maxDelayMs, Math.max(backoffDelay(policy, n, random), outcome.retryAfterMs ?? 0));
      log.warn('meta.send.retry', { outboxId: message.outboxId, code: outcome.code, attempt: n, delayMs });
      await wait(delayMs);
    }
  }

  // Every attempt may run to its timeout, with the longest backoff between attempts.
  const maxSendMs = policy.maxAttempts * timeoutMs + (policy.maxAttempts - 1) * policy.maxDelayMs;
  return { name: 'meta', maxSendMs, send };
}

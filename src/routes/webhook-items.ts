import type { WebhookProvider } from '../contracts/inbound.js';
import type { ParsedWebhook } from '../channels/webhook-items.js';
import type { Logger } from '../kernel/logger.js';
import type { Metrics } from '../pipeline/metrics.js';

/** At most this many warn lines per delivery; the rest are counted in one more line (a hostile body cannot flood the log). */
const MAX_REJECT_LINES = 20;

/** Logs what a provider's delivery came to: refusals at warn with their reason code, skipped kinds at debug. */
export function logItems(provider: WebhookProvider, parsed: Pick<ParsedWebhook, 'ignored' | 'rejected'>, log: Logger, metrics: Metrics): void {
  for (const item of parsed.ignored) log.debug(`${provider} webhook item ignored`, { kind: item.kind, detail: item.detail });
  parsed.rejected.forEach((item, i) => {
    metrics.unsupportedItems.inc({ provider, reason: item.reason });
    if (i < MAX_REJECT_LINES) log.warn(`${provider} webhook item not readable`, { reason: item.reason, detail: item.detail, issues: item.issues });
  });
  if (parsed.rejected.length > MAX_REJECT_LINES)
    log.warn(`${provider} webhook items not readable (more)`, { count: parsed.rejected.length - MAX_REJECT_LINES });
}

/**
 * The inbox's durable write as a `Server-Timing` entry: the part of an acknowledgement that waited
 * for DynamoDB, so a caller (the benchmark) can tell it from the rest of the ack's time.
 */
export const inboxTiming = (writeMs: number) => `inbox;dur=${writeMs.toFixed(1)}`;

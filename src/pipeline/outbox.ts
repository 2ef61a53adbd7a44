import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { Stores } from '../infra/stores/index.js';
import type { Sender } from '../contracts/sender.js';
import type { WebhookProvider } from '../contracts/inbound.js';
import type { Metrics } from './metrics.js';
import type { OutboundEntry } from './turn-types.js';
import type { Reply } from '../contracts/engine.js';

/** Outbox ids travel as Meta's biz_opaque_callback_data, so Meta's statuses find the entry by key. */
const outboxId = (sessionId: string, sk: string) => `${sessionId}/${sk}`;
export function parseOutboxId(id: string | undefined): { sessionId: string; sk: string } | null {
  const slash = id?.indexOf('/') ?? -1;
  return id && slash > 0 && id.slice(slash + 1).startsWith('m#') ? { sessionId: id.slice(0, slash), sk: id.slice(slash + 1) } : null;
}

/** Margin beyond the sender's longest send before the sweep may take an entry over. */
const SEND_MARGIN_MS = 5_000;

/**
 * Sends committed replies, each through the sender of the provider its conversation came in on,
 * and records the provider's answer on each buffer entry. A transient failure leaves the entry
 * pending; the sweep sends it again after `resendAfterMs` (OUTBOX_RESEND_AFTER_MS).
 */
export function createOutbox(deps: {
  stores: Stores<unknown>;
  senders: Record<WebhookProvider, Sender>;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  resendAfterMs: number;
}) {
  const { stores, senders, logger, metrics } = deps;

  async function deliverOne(entry: OutboundEntry) {
    const result = await senders[entry.channel].send({ to: entry.sessionId, reply: entry.reply, outboxId: outboxId(entry.sessionId, entry.sk) });
    if (result.status === 'sent') {
      metrics.outbox.inc({ result: 'sent' });
      await stores.outbox.markSent(entry.sessionId, entry.sk, result.providerMessageId);
    } else if (!result.retryable) {
      metrics.outbox.inc({ result: 'failed' });
      await stores.outbox.markFailed(entry.sessionId, entry.sk, { code: result.code, reason: result.reason });
    } else {
      metrics.outbox.inc({ result: 'retry_later' });
      logger.warn('outbox send will be retried', { sessionId: entry.sessionId, channel: entry.channel, code: result.code, reason: result.reason });
    }
  }

  /** Sends entries in order (one conversation's replies must not overtake each other). */
  async function deliver(entries: OutboundEntry[]) {
    for (const entry of entries) {
      try {
        await deliverOne(entry);
      } catch (error) {
        logger.error('outbox delivery failed', { sessionId: entry.sessionId, error: (error as Error).message });
      }
    }
  }

  /** Longer than any send can take, so an entry still being sent (its sender retrying) is never picked up. */
  const sweepAfterMs = Math.max(deps.resendAfterMs, ...Object.values(senders).map((s) => (s.maxSendMs ?? 0) + SEND_MARGIN_MS));

  /**
   * Re-sends entries still pending after `olderThanMs` (crash between commit and send, or transient
   * failures). Each is claimed first, so of several processes sweeping at once only one resends it.
   */
  async function sweep(olderThanMs = sweepAfterMs) {
    const unsent = await stores.outbox.listUnsent(deps.clock.now() - olderThanMs);
    const claimed = [];
    for (const e of unsent) if (await stores.outbox.claimUnsent(e)) claimed.push(e);
    await deliver(
      claimed.map((e) => ({
        sessionId: e.sessionId,
        sk: e.sk,
        reply: (e.outbox?.payload ?? { text: e.text }) as unknown as Reply,
        channel: e.outbox?.channel ?? 'meta',
      })),
    );
    return claimed.length;
  }

  return { deliver, sweep };
}

export type Outbox = ReturnType<typeof createOutbox>;

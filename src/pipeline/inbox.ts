import { ulid } from '../kernel/ids.js';
import type { WebhookMessage, WebhookProvider } from '../contracts/inbound.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { Stores } from '../infra/stores/index.js';
import { idempotencyKey, payloadHash } from '../infra/stores/idempotency-store.js';
import type { KeyedQueue } from './keyed-queue.js';
import type { MediaReader } from './media.js';
import type { Metrics } from './metrics.js';
import type { Outbox } from './outbox.js';
import type { TurnRunner } from './turn.js';
import type { TurnScheduler } from './turn-scheduler.js';

/** Each provider's message ids in a namespace of their own, so they can never collide with each other or with header keys. */
const KEY_OF: Record<WebhookProvider, (messageId: string) => string> = { meta: idempotencyKey.wamid, twilio: idempotencyKey.twilioSid };

export interface InboxSettings {
  /** How long provider message ids are remembered (Meta retries for up to 7 days). */
  dedupTtlMs: number;
  /** How long a stored message is protected before the sweep may take it over. */
  inProgressMs: number;
}

/**
 * Provider messages (Meta, Twilio): stored durably (and claimed) before the webhook is acknowledged, then
 * processed asynchronously, one at a time per conversation, in arrival order. A sweep processes
 * messages that were stored but never completed (this or another process died).
 */
export function createInbox(deps: {
  stores: Stores<unknown>;
  turns: TurnRunner;
  outbox: Outbox;
  queue: KeyedQueue;
  /** Starts the turns after the acknowledgements (backpressure; acks never wait for it). */
  scheduler: Pick<TurnScheduler, 'run' | 'observeAck'>;
  /** Reads voice notes before their turn (absent: messages go to the turn as stored). */
  media?: MediaReader;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  instanceId: string;
  settings: InboxSettings;
}) {
  const { stores, queue, scheduler, logger, metrics, settings } = deps;

  /**
   * A voice note is fetched and transcribed before its turn, which can outlast the claim's
   * in-progress lease: the claim is renewed meanwhile, so the sweep never takes the message over.
   */
  async function heard(stored: WebhookMessage, held: { key: string; owner: string }): Promise<WebhookMessage> {
    const media = deps.media;
    if (!media?.listensTo(stored)) return stored;
    const renew = () => {
      stores.idempotency
        .renew(held.key, held.owner, settings.inProgressMs)
        .catch((error) => logger.warn('claim renewal failed', { error: (error as Error).message }));
    };
    const timer = setInterval(renew, Math.max(50, Math.floor(settings.inProgressMs / 3)));
    try {
      return await media.hear(stored);
    } finally {
      clearInterval(timer);
    }
  }

  /** Runs the turn of a stored message under the claim the inbox holds for it; a voice note is transcribed first (after the ack). */
  async function process(stored: WebhookMessage, held: { key: string; owner: string }) {
    try {
      const claim = { mode: 'held' as const, ...held, ttlMs: settings.dedupTtlMs };
      const outcome = await scheduler.run(async () => {
        const message = await heard(stored, held);
        return deps.turns.run({ input: { kind: 'message', message }, channel: message.provider, claim });
      });
      if (outcome.status === 'processed') await deps.outbox.deliver(outcome.outbound);
    } catch (error) {
      // The claim went back to `received`; the sweep (or the provider's redelivery) will process it.
      logger.error('inbox message failed; left for the sweep', { sessionId: stored.sessionId, error: (error as Error).message });
    }
  }

  /**
   * Stores every message (in parallel) and resolves once all are durable — only then may the
   * webhook answer 200. Processing is queued per session at once, so arrival order is kept.
   */
  async function accept(messages: WebhookMessage[]): Promise<{ stored: number; duplicates: number; writeMs: number }> {
    const started = performance.now();
    const results = messages.map((message) => {
      const key = KEY_OF[message.provider](message.messageId);
      const owner = `${deps.instanceId}:${ulid()}`;
      const event = { ...message, raw: undefined };
      const stored = stores.inbox.store(key, payloadHash(event), event, {
        ttlMs: settings.dedupTtlMs,
        inProgressMs: settings.inProgressMs,
        owner,
      });
      // Queued before the store resolves, so two webhooks' messages keep their arrival order.
      void queue.run(message.sessionId, async () => {
        if ((await stored.catch(() => 'failed')) === 'stored') await process(message, { key, owner });
      });
      return stored;
    });
    const outcomes = await Promise.all(results);
    const writeMs = performance.now() - started;
    scheduler.observeAck(writeMs);
    messages.forEach(({ provider, media }, i) => {
      if (outcomes[i] === 'duplicate') return metrics.duplicatesDropped.inc({ provider });
      metrics.messagesIn.inc({ provider });
      if (media) metrics.mediaIn.inc({ provider, kind: media.kind });
    });
    const duplicates = outcomes.filter((o) => o === 'duplicate').length;
    return { stored: outcomes.length - duplicates, duplicates, writeMs };
  }

  /** Claims and processes stored messages whose owner is gone; returns how many it took. */
  async function sweep(): Promise<number> {
    const stale = await stores.inbox.listPending(deps.clock.now() - settings.inProgressMs);
    let taken = 0;
    for (const record of stale) {
      const claim = await stores.idempotency.claim(record.key, record.payloadHash, { inProgressMs: settings.inProgressMs, ttlMs: settings.dedupTtlMs });
      if (claim.outcome !== 'new' || !claim.event) continue;
      const message = claim.event as WebhookMessage;
      taken++;
      void queue.run(message.sessionId, () => process(message, { key: claim.key, owner: claim.owner }));
    }
    return taken;
  }

  return { accept, sweep };
}

export type Inbox = ReturnType<typeof createInbox>;

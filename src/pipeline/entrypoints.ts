import { z } from 'zod';
import type { Clock } from '../kernel/clock.js';
import { idempotencyKey, payloadHash } from '../infra/stores/idempotency-store.js';
import { requireSessionId } from '../contracts/phone.js';
import type { KeyedQueue } from './keyed-queue.js';
import type { Metrics } from './metrics.js';
import type { TurnOutcome, createTurnRunner } from './turn.js';

/** `POST /webhook/ingest` body. */
export const ingestBodySchema = z.object({
  message_id: z.string().min(1).max(256),
  phoneNumber: z.string().min(1).max(32),
  text: z.string().max(4096),
  meta: z.record(z.string(), z.unknown()).optional(),
});
export type IngestBody = z.infer<typeof ingestBodySchema>;

/** `POST /hooks/template-fired` body. */
export const templateBodySchema = z.object({
  phoneNumber: z.string().min(1).max(32),
  template: z.string().min(1).max(128),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type TemplateBody = z.infer<typeof templateBodySchema>;

/** Header idempotency keys: printable, bounded (the IETF draft's advice). */
export const headerKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9_.:\-]+$/, 'letters, digits and _ . : - only');

/**
 * The synchronous entry points behind the generic routes: each builds the turn request from a
 * validated body and runs it. Routes stay thin; the Meta webhook goes through the inbox instead.
 */
export function createEntrypoints(deps: {
  turns: ReturnType<typeof createTurnRunner<unknown>>;
  /** Orders turns of one conversation inside this process (the lock orders them across processes). */
  queue: KeyedQueue;
  clock: Clock;
  metrics: Metrics;
  idempotencyTtlMs: number;
}) {
  const { turns, clock, metrics } = deps;

  function count(outcome: TurnOutcome, provider: string) {
    if (outcome.status === 'processed') metrics.messagesIn.inc({ provider });
    else if (outcome.status === 'replayed' || outcome.status === 'duplicate') metrics.duplicatesDropped.inc({ provider });
    if (outcome.status === 'in_progress' || outcome.status === 'duplicate') metrics.conflicts.inc({ reason: outcome.status });
    return outcome;
  }

  async function ingest(key: string, body: IngestBody): Promise<TurnOutcome> {
    const sessionId = requireSessionId(body.phoneNumber);
    const replyPayload = typeof body.meta?.replyPayload === 'string' ? body.meta.replyPayload : undefined;
    const outcome = await deps.queue.run(sessionId, () =>
      turns.run({
        channel: 'ingest',
        idempotency: { key: idempotencyKey.ingest(key), hash: payloadHash(body), ttlMs: deps.idempotencyTtlMs },
        input: {
          kind: 'message',
          message: {
            provider: 'ingest',
            messageId: body.message_id,
            sessionId,
            phone: body.phoneNumber,
            text: body.text,
            type: replyPayload ? 'button' : 'text',
            replyPayload,
            timestamp: clock.now(),
          },
        },
      }),
    );
    return count(outcome, 'ingest');
  }

  async function templateFired(key: string | undefined, body: TemplateBody): Promise<TurnOutcome> {
    const sessionId = requireSessionId(body.phoneNumber);
    const outcome = await deps.queue.run(sessionId, () =>
      turns.run({
        channel: 'template',
        idempotency: key ? { key: idempotencyKey.template(key), hash: payloadHash(body), ttlMs: deps.idempotencyTtlMs } : undefined,
        input: { kind: 'template', sessionId, phone: body.phoneNumber, template: body.template, metadata: body.metadata ?? {}, at: clock.now() },
      }),
    );
    return count(outcome, 'template');
  }

  return { ingest, templateFired };
}

export type Entrypoints = ReturnType<typeof createEntrypoints>;

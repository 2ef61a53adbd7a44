import type { Clock } from '../kernel/clock.js';
import { idempotencyKey, payloadHash } from '../infra/stores/idempotency-store.js';
import { requireSessionId } from '../contracts/phone.js';
import type { KeyedQueue } from './keyed-queue.js';
import type { Metrics } from './metrics.js';
import type { TurnRunner } from './turn.js';
import type { TurnClaim, TurnOutcome } from './turn-types.js';

/** A generic ingest delivery, as its route validated it (the whole body is what the claim's payload hash covers). */
export interface IngestBody {
  message_id: string;
  phoneNumber: string;
  text: string;
  meta?: Record<string, unknown>;
}

/** A template-fired hook call, as its route validated it. */
export interface TemplateBody {
  phoneNumber: string;
  template: string;
  metadata?: Record<string, unknown>;
}

/**
 * The synchronous entry points behind the generic routes: each builds the turn request from a
 * body its route validated and runs it. A header key is claimed by the turn itself, in parallel
 * with the session lock and read. The Meta webhook goes through the inbox instead.
 */
export function createEntrypoints(deps: {
  turns: TurnRunner;
  /** Orders turns of one conversation inside this process (the lock orders them across processes). */
  queue: KeyedQueue;
  clock: Clock;
  metrics: Metrics;
  idempotencyTtlMs: number;
}) {
  const { turns, clock, metrics } = deps;

  function count(outcome: TurnOutcome, provider: string) {
    if (outcome.status === 'processed') metrics.messagesIn.inc({ provider });
    else if (outcome.status === 'replayed') metrics.duplicatesDropped.inc({ provider });
    if (outcome.status === 'in_progress') metrics.conflicts.inc({ reason: outcome.status });
    return outcome;
  }

  /** The claim of a header key, under its channel's namespace, for this body. */
  const claimOf = (key: string, body: IngestBody | TemplateBody): TurnClaim => ({ mode: 'claim', key, hash: payloadHash(body), ttlMs: deps.idempotencyTtlMs });

  async function ingest(key: string, body: IngestBody): Promise<TurnOutcome> {
    const sessionId = requireSessionId(body.phoneNumber);
    const replyPayload = typeof body.meta?.replyPayload === 'string' ? body.meta.replyPayload : undefined;
    const outcome = await deps.queue.run(sessionId, () =>
      turns.run({
        channel: 'ingest',
        claim: claimOf(idempotencyKey.ingest(key), body),
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
        claim: key ? claimOf(idempotencyKey.template(key), body) : undefined,
        input: { kind: 'template', sessionId, phone: body.phoneNumber, template: body.template, metadata: body.metadata ?? {}, at: clock.now() },
      }),
    );
    return count(outcome, 'template');
  }

  return { ingest, templateFired };
}

export type Entrypoints = ReturnType<typeof createEntrypoints>;

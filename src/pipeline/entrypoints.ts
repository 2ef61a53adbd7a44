import type { Clock } from '../kernel/clock.js';
import { idempotencyKey, payloadHash } from '../infra/stores/idempotency-store.js';
import { requireSessionId } from '../contracts/phone.js';
import type { KeyedQueue } from './keyed-queue.js';
import type { Metrics } from './metrics.js';
import type { TurnRunner } from './turn.js';
import type { TurnClaim, TurnOutcome, TurnRequest } from './turn-types.js';

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

/** What an in-process duplicate is told to wait before retrying (the first holds the key for a turn). */
const IN_FLIGHT_RETRY_AFTER_MS = 1_000;

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
  /** Header keys queued or running in this process, with their payload hash. */
  const inFlight = new Map<string, string>();

  function count(outcome: TurnOutcome, provider: string) {
    if (outcome.status === 'processed') metrics.messagesIn.inc({ provider });
    else if (outcome.status === 'replayed') metrics.duplicatesDropped.inc({ provider });
    if (outcome.status === 'in_progress') metrics.conflicts.inc({ reason: outcome.status });
    return outcome;
  }

  /** The claim of a header key, under its channel's namespace, for this body. */
  const claimOf = (key: string, body: IngestBody | TemplateBody): TurnClaim => ({ mode: 'claim', key, hash: payloadHash(body), ttlMs: deps.idempotencyTtlMs });

  /**
   * Runs the turn in the session's queue. A key already queued or running here is settled at once
   * (409, or 422 for another body) instead of waiting behind its first request: the claim in
   * DynamoDB answers the same for a duplicate that reaches another instance.
   */
  async function run(sessionId: string, request: TurnRequest): Promise<TurnOutcome> {
    const claim = request.claim;
    if (claim?.mode !== 'claim') return deps.queue.run(sessionId, () => turns.run(request));
    const held = inFlight.get(claim.key);
    if (held !== undefined) return held === claim.hash ? { status: 'in_progress', retryAfterMs: IN_FLIGHT_RETRY_AFTER_MS } : { status: 'mismatch' };
    inFlight.set(claim.key, claim.hash);
    try {
      return await deps.queue.run(sessionId, () => turns.run(request));
    } finally {
      inFlight.delete(claim.key);
    }
  }

  async function ingest(key: string, body: IngestBody): Promise<TurnOutcome> {
    const sessionId = requireSessionId(body.phoneNumber);
    const replyPayload = typeof body.meta?.replyPayload === 'string' ? body.meta.replyPayload : undefined;
    const outcome = await run(sessionId, {
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
    });
    return count(outcome, 'ingest');
  }

  async function templateFired(key: string | undefined, body: TemplateBody): Promise<TurnOutcome> {
    const sessionId = requireSessionId(body.phoneNumber);
    const outcome = await run(sessionId, {
      channel: 'template',
      claim: key ? claimOf(idempotencyKey.template(key), body) : undefined,
      input: { kind: 'template', sessionId, phone: body.phoneNumber, template: body.template, metadata: body.metadata ?? {}, at: clock.now() },
    });
    return count(outcome, 'template');
  }

  return { ingest, templateFired };
}

export type Entrypoints = ReturnType<typeof createEntrypoints>;

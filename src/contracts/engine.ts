import { z } from 'zod';
import type { BackendCall } from './backends.js';
import type { InboundMessage } from './inbound.js';
import type { Understanding, UnderstandingContext } from './understanding.js';

/**
 * The contract between the pipeline (I/O) and the conversation engine (pure).
 *
 * A turn is a short loop: the pipeline calls `decide(state, event, ctx)`; when the decision asks
 * for a call (`backend.query`, `backend.command`, `pending.execute`), the pipeline performs it and
 * calls `decide` again with a `call.result` event carrying the same `callId`. When no call is
 * left, the pipeline commits the final state, every reply and every `pending.*` change of the
 * loop in one transaction. The engine never performs I/O, so it is tested without DynamoDB or HTTP.
 */

/** A reply button; WhatsApp allows at most 3 per message and titles of at most 20 characters. */
export interface ReplyButton {
  id: string;
  title: string;
}

export interface Reply {
  text: string;
  /** Present for yes/no questions; channels without buttons show the text only. */
  buttons?: ReplyButton[];
}

export type CallResult =
  | { type: 'call.result'; callId: string; ok: true; data: unknown }
  | { type: 'call.result'; callId: string; ok: false; error: { code: string; message: string; retryable: boolean } };

export type EngineEvent =
  | { type: 'message'; message: InboundMessage; understanding: Understanding }
  | { type: 'template'; template: string; metadata: Record<string, unknown>; at: number }
  | CallResult;

/** What a staged action stores: exactly the call that runs once the user says yes. */
export interface PendingActionDraft {
  actionId: string;
  /** The flow it belongs to, e.g. "escala.confirm", "clinico.save", "finalizar.summary". */
  kind: string;
  /** The confirmation question shown to the user. */
  description: string;
  call: BackendCall;
  /** Confirmation deadline, epoch milliseconds. */
  expiresAt: number;
}

export type Effect =
  /** A read (getScheduleStarted, getNoteReport). Result comes back as `call.result`. */
  | { type: 'backend.query'; callId: string; call: BackendCall; idempotencyKey: string }
  /** A write that needs no confirmation (operational notes). Result comes back as `call.result`. */
  | { type: 'backend.command'; callId: string; call: BackendCall; idempotencyKey: string }
  /** Create the session's one open action (superseding an older staged/confirmed one). Committed with the turn. */
  | { type: 'pending.stage'; action: PendingActionDraft; supersedes?: string }
  /** The user said yes: confirm, claim (→ executing), call with `Idempotency-Key: actionId`; result comes back. */
  | { type: 'pending.execute'; callId: string; actionId: string }
  /** The user said no (or changed subject). Committed with the turn. */
  | { type: 'pending.abort'; actionId: string }
  /** The confirmation window passed. Committed with the turn. */
  | { type: 'pending.expire'; actionId: string };

export interface Decision<S> {
  state: S;
  replies: Reply[];
  effects: Effect[];
}

export interface EngineContext {
  /** Epoch milliseconds of this turn (injected clock). */
  now: number;
  /** Deterministic ids in tests; ULIDs in production. */
  newId(): string;
  pendingActionTtlMs: number;
  resumeTtlMs: number;
  /** Whether the channel can show reply buttons (Meta: yes; ingest: buttons are returned as data). */
  buttons: boolean;
}

export interface ConversationEngine<S = unknown> {
  /** Validates persisted state on load (versioned). */
  stateSchema: z.ZodType<S>;
  initialState(sessionId: string, phone: string): S;
  /** What the next message is expected to be, for the understanding layer, at `now` (epoch ms; contexts expire). */
  expectation(state: S, now: number): UnderstandingContext;
  /** Who the state names (names, ids, the phone), so the understanding keeps them from the LLM. */
  identities?(state: S): string[];
  decide(state: S, event: EngineEvent, ctx: EngineContext): Decision<S>;
}

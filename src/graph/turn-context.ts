import type { BackendCall } from '../contracts/backends.js';
import type { Effect, EngineContext } from '../contracts/engine.js';
import type { ResultCode } from './result-codes.js';
import { sameBackendCall } from '../contracts/backends.js';
import type { CallPurpose, OutcomeEntry, PendingKind, State, StoredUnderstanding, Task, TurnScratch } from './state.js';

/**
 * The working context of one `decide` call, and the helpers every step and flow uses on it.
 * Steps and flows mutate `turn.state` (a clone) and return nothing: result codes go through
 * `emitCode`, effects through `emitEffect` (the one channel). A flow that needs a backend call
 * declares it with `requestCall`/`requestExecute`, and the turn pauses there until its result.
 */
export interface TurnContext {
  /** The state being decided; a clone of the input, so it is freely mutated. */
  state: State;
  /** What the pipeline injects: this turn's clock reading, the id source, the TTLs. */
  env: EngineContext;
  /** Every effect of this decision, in the order it was declared. */
  effects: Effect[];
}

/** The turn scratch; only valid while a message is being handled. */
export function scratchOf(turn: TurnContext): TurnScratch {
  if (!turn.state.turn) throw new Error('engine: no turn in progress');
  return turn.state.turn;
}

/** The understanding of the message being handled. */
export function understandingOf(turn: TurnContext): StoredUnderstanding {
  return scratchOf(turn).understanding;
}

/** Records a result code for the reply of this turn. */
export function emitCode(turn: TurnContext, code: ResultCode, params?: OutcomeEntry['params']): void {
  scratchOf(turn).outcomes.push(params ? { code, params } : { code });
}

/** Runs `tasks` next, before whatever was queued. */
export function next(turn: TurnContext, ...tasks: Task[]): void {
  scratchOf(turn).queue.unshift(...tasks);
}

// ---- effects: one channel ----

/** The effects whose result comes back as a `call.result`: the turn waits for them. */
type CallEffect = Extract<Effect, { callId: string }>;

/**
 * Declares an effect of this decision. A call effect also records what the turn now waits for
 * (its purpose says who continues with the result); a turn waits for at most one call.
 */
export function emitEffect(turn: TurnContext, effect: Exclude<Effect, CallEffect>): void;
export function emitEffect(turn: TurnContext, effect: CallEffect, purpose: CallPurpose): void;
export function emitEffect(turn: TurnContext, effect: Effect, purpose?: CallPurpose): void {
  if ('callId' in effect) {
    if (!purpose) throw new Error(`engine: call ${effect.callId} declared without a purpose`);
    const scratch = scratchOf(turn);
    if (scratch.awaiting) throw new Error(`engine: a second call while ${scratch.awaiting.callId} is awaited`);
    scratch.awaiting = {
      callId: effect.callId,
      purpose,
      ...(effect.type === 'pending.execute' ? { actionId: effect.actionId } : {}),
    };
  }
  turn.effects.push(effect);
}

/** Asks the pipeline for a backend call; the turn resumes when its `call.result` arrives. */
export function requestCall(
  turn: TurnContext,
  purpose: Exclude<CallPurpose, 'execute'>,
  type: 'backend.query' | 'backend.command',
  call: BackendCall,
  idempotencyKey: string,
): void {
  emitEffect(turn, { type, callId: turn.env.newId(), call, idempotencyKey }, purpose);
}

/** Asks the pipeline to execute the open pending action (the user said yes). */
export function requestExecute(turn: TurnContext, actionId: string): void {
  emitEffect(turn, { type: 'pending.execute', callId: turn.env.newId(), actionId }, 'execute');
}

// ---- the open confirmation ----

/**
 * Stages a confirmation for exactly `call` and emits `code` (whose text is the description).
 * An open action with the very same call is kept and asked again; any other open action is
 * superseded by the new one.
 */
export function stage(turn: TurnContext, kind: PendingKind, call: BackendCall, description: string, code: ResultCode): void {
  const prior = turn.state.pending;
  if (prior && prior.kind === kind && sameBackendCall(prior.call, call)) {
    emitCode(turn, code);
    return;
  }
  const action = { actionId: turn.env.newId(), kind, description, call, expiresAt: turn.env.now + turn.env.pendingActionTtlMs };
  emitEffect(turn, prior ? { type: 'pending.stage', action, supersedes: prior.actionId } : { type: 'pending.stage', action });
  turn.state.pending = { ...action, ...(kind === 'escala.cancel' ? { secondConfirmation: true } : {}) };
  emitCode(turn, code);
}

/** Aborts the open pending action, if any. */
export function abortPending(turn: TurnContext): void {
  if (!turn.state.pending) return;
  emitEffect(turn, { type: 'pending.abort', actionId: turn.state.pending.actionId });
  turn.state.pending = null;
}

/** Marks the open pending action expired, if any. */
export function expirePending(turn: TurnContext): void {
  if (!turn.state.pending) return;
  emitEffect(turn, { type: 'pending.expire', actionId: turn.state.pending.actionId });
  turn.state.pending = null;
}

/**
 * Asks the open confirmation again. "Não entendi" goes first unless `plain` (the message was
 * understood, just not as a yes/no) or an operational note of this message was already handled.
 */
export function reask(turn: TurnContext, options: { plain: boolean } = { plain: false }): void {
  const plain = options.plain || scratchOf(turn).opDone;
  emitCode(turn, 'PENDING_REASK', plain ? { plain: 'yes' } : undefined);
}

/**
 * The user's yes/no: a tapped button first, then the understanding. A message that carries an
 * operational note answers a confirmation only through a button, so "não consegui aferir" is
 * never taken as a "não".
 */
export function answerOf(turn: TurnContext): 'yes' | 'no' | null {
  const scratch = scratchOf(turn);
  if (scratch.replyPayload === 'yes' || scratch.replyPayload === 'no') return scratch.replyPayload;
  if (scratch.understanding.operationalNote) return null;
  return scratch.understanding.yesNo;
}

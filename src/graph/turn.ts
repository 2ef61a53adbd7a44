import type { BackendCall } from '../contracts/backends.js';
import type { Effect, EngineContext } from '../contracts/engine.js';
import type { ResultCode } from './result-codes.js';
import type { OutcomeEntry, PendingKind, State, StoredUnderstanding, Task, Turn } from './state.js';

/**
 * The working context of one `decide` call: the (cloned, so freely mutated) state, the injected
 * context and the effects produced so far. Flows receive it and return nothing; a flow that
 * needs a backend call returns the call effect from `requestCall` and the turn pauses there.
 */
export interface TurnCtx {
  s: State;
  ctx: EngineContext;
  effects: Effect[];
}

/** The turn scratch; only valid while a message is being handled. */
export function turnOf(t: TurnCtx): Turn {
  if (!t.s.turn) throw new Error('engine: no turn in progress');
  return t.s.turn;
}

/** The understanding of the message being handled. */
export function understandingOf(t: TurnCtx): StoredUnderstanding {
  return turnOf(t).understanding;
}

/** Records a result code for the reply of this turn. */
export function emit(t: TurnCtx, code: ResultCode, params?: OutcomeEntry['params']): void {
  turnOf(t).outcomes.push(params ? { code, params } : { code });
}

/** Runs `tasks` next, before whatever was queued. */
export function next(t: TurnCtx, ...tasks: Task[]): void {
  turnOf(t).queue.unshift(...tasks);
}

/** Asks the pipeline for a call; the turn resumes when its `call.result` arrives. */
export function requestCall(
  t: TurnCtx,
  purpose: 'op' | 'bootstrap' | 'notes' | 'presenceDirect',
  type: 'backend.query' | 'backend.command',
  call: BackendCall,
  idempotencyKey: string,
): Effect {
  const callId = t.ctx.newId();
  turnOf(t).awaiting = { callId, purpose };
  return { type, callId, call, idempotencyKey };
}

/** Asks the pipeline to execute the open pending action (the user said yes). */
export function requestExecute(t: TurnCtx, actionId: string): Effect {
  const callId = t.ctx.newId();
  turnOf(t).awaiting = { callId, purpose: 'execute', actionId };
  return { type: 'pending.execute', callId, actionId };
}

function sameCall(a: BackendCall, b: BackendCall): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/**
 * Stages a confirmation for exactly `call` and emits `code` (whose text is the description).
 * An open action with the very same call is kept and asked again; any other open action is
 * superseded by the new one.
 */
export function stage(t: TurnCtx, kind: PendingKind, call: BackendCall, description: string, code: ResultCode): void {
  const prior = t.s.pending;
  if (prior && prior.kind === kind && sameCall(prior.call, call)) {
    emit(t, code);
    return;
  }
  const action = { actionId: t.ctx.newId(), kind, description, call, expiresAt: t.ctx.now + t.ctx.pendingActionTtlMs };
  t.effects.push(prior ? { type: 'pending.stage', action, supersedes: prior.actionId } : { type: 'pending.stage', action });
  t.s.pending = { ...action, ...(kind === 'escala.cancel' ? { secondConfirmation: true } : {}) };
  emit(t, code);
}

/** Aborts the open pending action, if any. */
export function abortPending(t: TurnCtx): void {
  if (!t.s.pending) return;
  t.effects.push({ type: 'pending.abort', actionId: t.s.pending.actionId });
  t.s.pending = null;
}

/**
 * The user's yes/no: a tapped button first, then the understanding. A message that carries an
 * operational note answers a confirmation only through a button, so "não consegui aferir" is
 * never taken as a "não".
 */
export function answerOf(t: TurnCtx): 'yes' | 'no' | null {
  const turn = turnOf(t);
  if (turn.replyPayload === 'yes' || turn.replyPayload === 'no') return turn.replyPayload;
  if (turn.understanding.operationalNote) return null;
  return turn.understanding.yesNo;
}

/** Whether the message carries vitals, a respiratory condition or a clinical note. */
export function hasClinicalContent(u: StoredUnderstanding): boolean {
  return Object.values(u.vitals).some((v) => v !== undefined && v !== null) || u.respiratoryCondition !== null || Boolean(u.clinicalNote?.trim());
}

/** Whether the message carries any finalization topic. */
export function hasTopics(u: StoredUnderstanding): boolean {
  return Object.values(u.finalizationTopics).some((v) => Boolean(v?.trim()));
}

/** Whether the message carries nothing beyond an operational note. */
export function isOperationalOnly(u: StoredUnderstanding): boolean {
  return (
    Boolean(u.operationalNote) &&
    !hasClinicalContent(u) &&
    !hasTopics(u) &&
    u.invalidVitals.length === 0 &&
    u.choice === null &&
    (u.intent === null || u.intent === 'operacional')
  );
}

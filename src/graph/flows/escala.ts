import type { CallResult } from '../../contracts/engine.js';
import { mergeVitals } from '../clinical.js';
import { mergeTopics } from '../finalization.js';
import type { Flow } from '../flow.js';
import { hasClinicalContent, hasTopics } from '../message-content.js';
import { cancelQuestion, presenceQuestion } from '../replies.js';
import type { ResultCode } from '../result-codes.js';
import { recordFlow, type ResumePayload } from '../state.js';
import { abortPending, answerOf, emitCode, next, reask, requestCall, scratchOf, stage, understandingOf, type TurnContext } from '../turn-context.js';

/**
 * escala: presence confirmation. Nothing clinical is saved before presence is confirmed; what the
 * user sent meanwhile is kept in a resume marker and picked up right after the confirmation.
 * A "não" to presence cancels the shift only after a second, explicit question.
 */
export const escala = {
  run: presenceGate,
  pendingHandlers: {
    'escala.confirm': { onNo: stageCancel, onOther: presenceOther, onExecuted: presenceExecuted, failedCode: 'PRESENCE_CONFIRM_FAILED' },
    'escala.cancel': { onNo: cancelRefused, onOther: (turn) => reask(turn), onExecuted: shiftCancelled, failedCode: 'SCHEDULE_CANCEL_FAILED' },
  },
  resultHandlers: { presenceDirect: presenceDirectResult },
} satisfies Flow;

/**
 * The gate "shift not confirmed": ask for presence (two-phase). Right after a
 * `confirmar_presenca` template, a plain "sim" answers that template's question, so presence is
 * confirmed directly (deterministic idempotency key per schedule); a "não" asks the second,
 * explicit cancellation question.
 */
function presenceGate(turn: TurnContext): void {
  const state = turn.state;
  recordFlow(state, 'escala');
  const kept = keepForResume(turn);
  const answer = answerOf(turn);
  if (state.template.expecting === 'presence' && !kept) {
    state.template.expecting = null;
    if (answer === 'yes') {
      requestCall(
        turn,
        'presenceDirect',
        'backend.command',
        { operation: 'updateWorkScheduleResponse', request: { scheduleID: state.shift.scheduleID ?? '', responseValue: 'confirmado' } },
        `presence:${state.shift.scheduleID}:confirmado`,
      );
      return;
    }
    if (answer === 'no') {
      stageCancel(turn);
      return;
    }
  }
  if (kept) emitCode(turn, 'PRESENCE_DATA_KEPT');
  stagePresence(turn);
}

/** The direct confirmation's result: confirmed, or fall back to the two-phase question (a "sim" retries). */
function presenceDirectResult(turn: TurnContext, result: CallResult): void {
  if (result.ok) {
    recordFlow(turn.state, 'escala');
    presenceConfirmed(turn);
  } else {
    stagePresence(turn, 'PRESENCE_CONFIRM_FAILED');
  }
}

/** Keeps the message's clinical data / topics in the resume marker. Returns whether anything was kept. */
function keepForResume(turn: TurnContext): boolean {
  const state = turn.state;
  const understanding = understandingOf(turn);
  const wantsFinalization = hasTopics(understanding) || understanding.intent === 'finalizar';
  if (!hasClinicalContent(understanding) && !wantsFinalization && understanding.intent !== 'clinico') return false;
  const prior: ResumePayload =
    state.resume?.reason === 'presence_required'
      ? state.resume.payload
      : { vitals: {}, respiratoryCondition: null, clinicalNote: null, topics: {}, intent: null };
  const payload: ResumePayload = {
    vitals: mergeVitals(prior.vitals, understanding.vitals),
    respiratoryCondition: understanding.respiratoryCondition ?? prior.respiratoryCondition,
    clinicalNote: understanding.clinicalNote?.trim() || prior.clinicalNote,
    topics: mergeTopics(prior.topics, understanding.finalizationTopics),
    intent: understanding.intent ?? prior.intent,
  };
  const flow =
    hasClinicalContent(understanding) || understanding.intent === 'clinico' ? 'clinico' : wantsFinalization ? 'finalizar' : (state.resume?.flow ?? 'clinico');
  state.resume = { flow, reason: 'presence_required', payload, createdAt: turn.env.now };
  return hasClinicalContent(understanding) || hasTopics(understanding);
}

/** Stages the presence question. */
function stagePresence(turn: TurnContext, code: ResultCode = 'PRESENCE_CONFIRMATION_REQUESTED'): void {
  const request = { scheduleID: turn.state.shift.scheduleID ?? '', responseValue: 'confirmado' as const };
  stage(turn, 'escala.confirm', { operation: 'updateWorkScheduleResponse', request }, presenceQuestion(turn.state), code);
}

/**
 * Stages the second, explicit cancellation question: a "não" to the presence question ("não,
 * ainda não cheguei") must not cancel on its own, because cancelling notifies coordinators.
 */
function stageCancel(turn: TurnContext): void {
  const request = { scheduleID: turn.state.shift.scheduleID ?? '', responseValue: 'cancelado' as const };
  stage(turn, 'escala.cancel', { operation: 'updateWorkScheduleResponse', request }, cancelQuestion(), 'CANCEL_CONFIRMATION_REQUESTED');
}

/** Neither yes nor no to the presence question. */
function presenceOther(turn: TurnContext): void {
  // Clinical data sent before presence is kept for after the confirmation, never saved now.
  if (keepForResume(turn)) {
    emitCode(turn, 'PRESENCE_DATA_KEPT');
    reask(turn, { plain: true });
    return;
  }
  // "cheguei" / "estou no plantão" to the presence question: ask for the explicit yes, without "Não entendi".
  if (understandingOf(turn).intent === 'escala') {
    reask(turn, { plain: true });
    return;
  }
  reask(turn);
}

/** A "não" to the cancellation question: the shift stays. */
function cancelRefused(turn: TurnContext): void {
  abortPending(turn);
  emitCode(turn, 'CANCEL_ABORTED');
}

/** The confirmed presence was saved. */
function presenceExecuted(turn: TurnContext): void {
  recordFlow(turn.state, 'escala');
  presenceConfirmed(turn);
}

/** The confirmed cancellation was saved: record it, re-read the shift, and offer substitutes. */
function shiftCancelled(turn: TurnContext): void {
  const state = turn.state;
  recordFlow(state, 'escala');
  state.shift.response = 'cancelado';
  state.outcome.cancelledAt = turn.env.now;
  state.resume = null;
  scratchOf(turn).forcedResponse = 'cancelado';
  emitCode(turn, 'SCHEDULE_CANCELLED_BY_USER');
  next(turn, { t: 'bootstrap', force: true }, { t: 'flow', flow: 'fora_escala' });
}

/** Presence was confirmed (the backend said ok): record it and re-read the shift, then resume. */
function presenceConfirmed(turn: TurnContext): void {
  turn.state.shift.response = 'confirmado';
  turn.state.outcome.presenceConfirmedAt = turn.env.now;
  scratchOf(turn).forcedResponse = 'confirmado';
  emitCode(turn, 'PRESENCE_CONFIRMED');
  next(turn, { t: 'bootstrap', force: true }, { t: 'afterPresence' });
}

/** After presence (the `afterPresence` task): resume the diverted flow (unless stale), or say what comes next. */
export function afterPresence(turn: TurnContext): void {
  const state = turn.state;
  if (state.resume?.reason === 'presence_required' && turn.env.now - state.resume.createdAt > turn.env.resumeTtlMs) state.resume = null;
  if (state.shift.finishReminderSent) {
    next(turn, { t: 'flow', flow: 'finalizar' });
    return;
  }
  if (state.resume?.reason === 'presence_required') {
    next(turn, { t: 'flow', flow: state.resume.flow });
    return;
  }
  emitCode(turn, 'NEXT_STEPS_HINT');
}

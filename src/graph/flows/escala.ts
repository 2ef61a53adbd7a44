import type { Effect } from '../../contracts/engine.js';
import { mergeVitals } from '../clinical.js';
import { mergeTopics } from '../finalization.js';
import { cancelQuestion, presenceQuestion } from '../replies.js';
import type { ResultCode } from '../result-codes.js';
import { recordFlow, type ResumePayload } from '../state.js';
import { answerOf, emit, hasClinicalContent, hasTopics, next, requestCall, stage, understandingOf, type TurnCtx } from '../turn.js';

/**
 * escala: presence confirmation. Nothing clinical is saved before presence is confirmed; what the
 * user sent meanwhile is kept in a resume marker and picked up right after the confirmation.
 */

/** Keeps the message's clinical data / topics in the resume marker. Returns whether anything was kept. */
export function keepForResume(t: TurnCtx): boolean {
  const u = understandingOf(t);
  const wantsFinalization = hasTopics(u) || u.intent === 'finalizar';
  if (!hasClinicalContent(u) && !wantsFinalization && u.intent !== 'clinico') return false;
  const prior: ResumePayload = t.s.resume?.reason === 'presence_required'
    ? t.s.resume.payload
    : { vitals: {}, respiratoryCondition: null, clinicalNote: null, topics: {}, intent: null };
  const payload: ResumePayload = {
    vitals: mergeVitals(prior.vitals, u.vitals),
    respiratoryCondition: u.respiratoryCondition ?? prior.respiratoryCondition,
    clinicalNote: u.clinicalNote?.trim() || prior.clinicalNote,
    topics: mergeTopics(prior.topics, u.finalizationTopics),
    intent: u.intent ?? prior.intent,
  };
  const flow = hasClinicalContent(u) || u.intent === 'clinico' ? 'clinico' : wantsFinalization ? 'finalizar' : (t.s.resume?.flow ?? 'clinico');
  t.s.resume = { flow, reason: 'presence_required', payload, createdAt: t.ctx.now };
  return hasClinicalContent(u) || hasTopics(u);
}

/**
 * The gate "shift not confirmed": ask for presence (two-phase). Right after a
 * `confirmar_presenca` template, a plain "sim" answers that template's question, so presence is
 * confirmed directly (deterministic idempotency key per schedule); a "não" asks the second,
 * explicit cancellation question.
 */
export function presenceGate(t: TurnCtx): Effect | null {
  const s = t.s;
  recordFlow(s, 'escala');
  const kept = keepForResume(t);
  const answer = answerOf(t);
  if (s.template.expecting === 'presence' && !kept) {
    s.template.expecting = null;
    if (answer === 'yes') {
      return requestCall(
        t,
        'presenceDirect',
        'backend.command',
        { operation: 'updateWorkScheduleResponse', request: { scheduleID: s.shift.scheduleID ?? '', responseValue: 'confirmado' } },
        `presence:${s.shift.scheduleID}:confirmado`,
      );
    }
    if (answer === 'no') {
      stageCancel(t);
      return null;
    }
  }
  if (kept) emit(t, 'PRESENCE_DATA_KEPT');
  stagePresence(t);
  return null;
}

/** Stages the presence question. */
export function stagePresence(t: TurnCtx, code: ResultCode = 'PRESENCE_CONFIRMATION_REQUESTED'): void {
  const call = { operation: 'updateWorkScheduleResponse' as const, request: { scheduleID: t.s.shift.scheduleID ?? '', responseValue: 'confirmado' as const } };
  stage(t, 'escala.confirm', call, presenceQuestion(t.s), code);
}

/** Stages the second, explicit cancellation question (cancelling notifies coordinators). */
export function stageCancel(t: TurnCtx): void {
  const call = { operation: 'updateWorkScheduleResponse' as const, request: { scheduleID: t.s.shift.scheduleID ?? '', responseValue: 'cancelado' as const } };
  stage(t, 'escala.cancel', call, cancelQuestion(), 'CANCEL_CONFIRMATION_REQUESTED');
}

/** Moves a presence-diversion payload into the clinical and finalization blocks and clears the marker. */
export function applyResumePayload(t: TurnCtx, options: { topics: boolean } = { topics: true }): void {
  const r = t.s.resume;
  if (!r || r.reason !== 'presence_required') return;
  const c = t.s.clinical;
  c.vitals = mergeVitals(c.vitals, r.payload.vitals);
  c.respiratoryCondition = r.payload.respiratoryCondition ?? c.respiratoryCondition;
  c.note = r.payload.clinicalNote ?? c.note;
  if (options.topics) t.s.finalization.topics = mergeTopics(t.s.finalization.topics, r.payload.topics);
  t.s.resume = null;
}

/** Presence was confirmed (the backend said ok): record it and re-read the shift, then resume. */
export function presenceConfirmed(t: TurnCtx): void {
  t.s.shift.response = 'confirmado';
  t.s.outcome.presenceConfirmedAt = t.ctx.now;
  t.s.turn!.forcedResponse = 'confirmado';
  emit(t, 'PRESENCE_CONFIRMED');
  next(t, { t: 'bootstrap', force: true }, { t: 'afterPresence' });
}

/** After presence: resume the diverted flow (unless stale), or say what comes next. */
export function afterPresence(t: TurnCtx): void {
  const s = t.s;
  if (s.resume?.reason === 'presence_required' && t.ctx.now - s.resume.createdAt > t.ctx.resumeTtlMs) s.resume = null;
  if (s.shift.finishReminderSent) {
    next(t, { t: 'flow', flow: 'finalizar' });
    return;
  }
  if (s.resume?.reason === 'presence_required') {
    next(t, { t: 'flow', flow: s.resume.flow });
    return;
  }
  emit(t, 'NEXT_STEPS_HINT');
}

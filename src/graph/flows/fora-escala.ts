import { substituteQuestion } from '../replies.js';
import { shiftDayIsPast } from '../shift.js';
import { recordFlow } from '../state.js';
import { isRefusal, matchSubstitute } from '../substitutes.js';
import { abortPending, answerOf, emit, stage, turnOf, understandingOf, type TurnCtx } from '../turn.js';

/**
 * fora_escala: out of schedule, or a cancelled shift. For a cancelled shift of today (or last
 * night) the substitutes are listed; the caregiver picks one by number or name, confirms, and
 * createNewSchedule runs once. The outcome (created / refused) is remembered.
 */
export function foraEscalaFlow(t: TurnCtx): void {
  const s = t.s;
  recordFlow(s, 'fora_escala');
  if ((s.shift.response ?? '').toLowerCase() !== 'cancelado') {
    emit(t, 'OUT_OF_SCHEDULE');
    return;
  }
  if (s.outcome.substitution === 'created') return emit(t, 'SUBSTITUTION_ALREADY_DONE');
  if (s.outcome.substitution === 'refused' || shiftDayIsPast(s.shift.day, t.ctx.now)) return emit(t, 'CANCELLED_SHIFT_NOTICE');
  const choosing = s.substitution.awaitingChoice || s.pending?.kind === 'substituto.create';
  if (!choosing) {
    if (s.shift.substitutes.length === 0) return emit(t, 'CANCELLED_NO_SUBSTITUTES');
    s.substitution.awaitingChoice = true;
    return emit(t, 'CANCELLED_WITH_SUBSTITUTES');
  }
  const u = understandingOf(t);
  const text = turnOf(t).text;
  const picked = (u.choice ? matchSubstitute(u.choice, s.shift.substitutes) : null) ?? matchSubstitute(text, s.shift.substitutes);
  if (!picked && (isRefusal(text) || (answerOf(t) === 'no' && !u.choice))) {
    abortPending(t);
    s.substitution.awaitingChoice = false;
    s.outcome.substitution = 'refused';
    return emit(t, 'CANCELLED_NO_SUBSTITUTE_CHOSEN');
  }
  if (!picked) return emit(t, 'SUBSTITUTE_NOT_IDENTIFIED');
  s.substitution.awaitingChoice = false;
  stage(
    t,
    'substituto.create',
    { operation: 'createNewSchedule', request: { scheduleIdentifier: s.shift.scheduleID ?? '', newCaregiverID: picked.id } },
    substituteQuestion(picked),
    'SUBSTITUTE_CONFIRMATION_REQUESTED',
  );
}

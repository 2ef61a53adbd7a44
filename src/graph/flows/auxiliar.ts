import { recordFlow, shiftKnown } from '../state.js';
import { emit, understandingOf, type TurnCtx } from '../turn.js';

/** How long after a finalization a lookup without a shift is answered "already finalized". */
export const CLOSED_SHIFT_NOTICE_MS = 12 * 3_600_000;

/** auxiliar: help, greetings, unknown caregiver and no shift. */
export function auxiliarFlow(t: TurnCtx): void {
  const s = t.s;
  recordFlow(s, 'auxiliar');
  if (!shiftKnown(s)) {
    if (s.shift.caregiverNotFound) emit(t, 'UNKNOWN_CAREGIVER');
    else if (s.outcome.finalizedAt !== null && t.ctx.now - s.outcome.finalizedAt < CLOSED_SHIFT_NOTICE_MS) emit(t, 'SHIFT_ALREADY_CLOSED');
    else emit(t, 'NO_SHIFT_TODAY');
    return;
  }
  if (!s.shift.shiftAllow) {
    emit(t, 'NO_SHIFT_TODAY');
    return;
  }
  emit(t, understandingOf(t).intent === 'auxiliar' ? 'HELP_GREETING' : 'HELP_MENU');
}

import type { Effect } from '../../contracts/engine.js';
import { clinicalIds } from '../clinical.js';
import { shiftKnown, type State } from '../state.js';
import { emit, next, requestCall, turnOf, understandingOf, type TurnCtx } from '../turn.js';

/** Notes are recorded only on a shift that is active: known, allowed and not cancelled / out of schedule. */
function activeShift(s: State): boolean {
  const response = (s.shift.response ?? '').toLowerCase();
  return shiftKnown(s) && s.shift.shiftAllow && response !== 'cancelado' && response !== 'sem lembretes';
}

/**
 * operacional: the operational fragment of a message is saved at once, without confirmation,
 * as a note with `operationalNote: true` (router step 1). Returns the call effect, if any.
 */
export function operationalStep(t: TurnCtx): Effect | null {
  const turn = turnOf(t);
  const note = understandingOf(t).operationalNote?.trim();
  if (!note || turn.opDone) return null;
  if (!shiftKnown(t.s) && turn.bootstraps === 0) {
    // The note needs the shift ids: look the shift up first, then come back here once.
    next(t, { t: 'bootstrap', force: false }, { t: 'op' });
    return null;
  }
  if (!activeShift(t.s)) {
    turn.opDone = true;
    emit(t, 'OPERATIONAL_NO_SHIFT');
    return null;
  }
  return requestCall(
    t,
    'op',
    'backend.command',
    {
      operation: 'updateClinicalData',
      request: {
        ...clinicalIds(t.s),
        clinicalNote: note,
        operationalNote: true,
      },
    },
    // Derived from the message id: a redelivered message cannot save the note twice.
    `op:${turn.messageId}`,
  );
}

/** The intent "operacional" without a detected note (or after it was already saved). */
export function operationalFlow(t: TurnCtx): void {
  if (!turnOf(t).opDone) emit(t, 'OPERATIONAL_NO_NOTE');
}

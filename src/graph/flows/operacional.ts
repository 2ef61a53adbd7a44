import type { CallResult } from '../../contracts/engine.js';
import { clinicalIds } from '../clinical.js';
import type { Flow } from '../flow.js';
import { recordFlow, shiftKnown, type State } from '../state.js';
import { emitCode, next, requestCall, scratchOf, understandingOf, type TurnContext } from '../turn-context.js';

/**
 * operacional: the operational fragment of a message is saved at once, without confirmation,
 * as a note with `operationalNote: true` (router step 1, the `op` task); the rest of the message
 * still flows on. The intent "operacional" without a note only asks for one.
 */
export const operacional = {
  run: operationalFlow,
  resultHandlers: { op: noteResult },
} satisfies Flow;

/** Router step 1: save the message's operational note, if it has one. */
export function operationalStep(turn: TurnContext): void {
  const scratch = scratchOf(turn);
  const note = understandingOf(turn).operationalNote?.trim();
  if (!note || scratch.opDone) return;
  if (!shiftKnown(turn.state) && scratch.bootstraps === 0) {
    // The note needs the shift ids: look the shift up first, then come back here once.
    next(turn, { t: 'bootstrap', force: false }, { t: 'op' });
    return;
  }
  if (!activeShift(turn.state)) {
    scratch.opDone = true;
    emitCode(turn, 'OPERATIONAL_NO_SHIFT');
    return;
  }
  requestCall(
    turn,
    'op',
    'backend.command',
    { operation: 'updateClinicalData', request: { ...clinicalIds(turn.state), clinicalNote: note, operationalNote: true } },
    // Derived from the message id: a redelivered message cannot save the note twice.
    `op:${scratch.messageId}`,
  );
}

/** Notes are recorded only on a shift that is active: known, allowed and not cancelled / out of schedule. */
function activeShift(state: State): boolean {
  const response = (state.shift.response ?? '').toLowerCase();
  return shiftKnown(state) && state.shift.shiftAllow && response !== 'cancelado' && response !== 'sem lembretes';
}

/** The note's save: said either way; the message's other content goes on. */
function noteResult(turn: TurnContext, result: CallResult): void {
  scratchOf(turn).opDone = true;
  const note = understandingOf(turn).operationalNote ?? '';
  if (result.ok) {
    recordFlow(turn.state, 'operacional');
    emitCode(turn, 'OPERATIONAL_NOTE_SAVED', { note });
  } else {
    emitCode(turn, 'OPERATIONAL_NOTE_FAILED', { note });
  }
}

/** The intent "operacional" without a detected note (or after it was already saved). */
function operationalFlow(turn: TurnContext): void {
  if (!scratchOf(turn).opDone) emitCode(turn, 'OPERATIONAL_NO_NOTE');
}

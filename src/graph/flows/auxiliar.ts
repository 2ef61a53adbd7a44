import type { Flow } from '../flow.js';
import { recordFlow, shiftKnown } from '../state.js';
import { emitCode, understandingOf, type TurnContext } from '../turn-context.js';

/** How long after a finalization a lookup without a shift is answered "already finalized". */
const CLOSED_SHIFT_NOTICE_MS = 12 * 3_600_000;

/** auxiliar: help, greetings, unknown caregiver and no shift. It stages nothing and calls nothing. */
export const auxiliar = {
  run: auxiliarFlow,
} satisfies Flow;

function auxiliarFlow(turn: TurnContext): void {
  const state = turn.state;
  recordFlow(state, 'auxiliar');
  if (!shiftKnown(state)) {
    if (state.shift.caregiverNotFound) emitCode(turn, 'UNKNOWN_CAREGIVER');
    else if (state.outcome.finalizedAt !== null && turn.env.now - state.outcome.finalizedAt < CLOSED_SHIFT_NOTICE_MS) emitCode(turn, 'SHIFT_ALREADY_CLOSED');
    else emitCode(turn, 'NO_SHIFT_TODAY');
    return;
  }
  if (!state.shift.shiftAllow) {
    emitCode(turn, 'NO_SHIFT_TODAY');
    return;
  }
  emitCode(turn, understandingOf(turn).intent === 'auxiliar' ? 'HELP_GREETING' : 'HELP_MENU');
}

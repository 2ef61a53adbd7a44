import type { Flow } from '../flow.js';
import { substituteQuestion } from '../replies.js';
import { shiftDayIsPast } from '../shift.js';
import { recordFlow, type PendingMirror, type Substitute } from '../state.js';
import { isRefusal, matchSubstitute } from '../substitutes.js';
import { abortPending, answerOf, emitCode, reask, scratchOf, stage, understandingOf, type TurnContext } from '../turn-context.js';

/**
 * fora_escala: out of schedule, or a cancelled shift. For a cancelled shift of today (or last
 * night) the substitutes are listed; the caregiver picks one by number or name, confirms, and
 * createNewSchedule runs once. The outcome (created / refused) is remembered.
 */
export const foraEscala = {
  run: foraEscalaFlow,
  pendingHandlers: {
    'substituto.create': { onNo: choiceRefused, onOther: choiceOther, onExecuted: scheduleCreated, failedCode: 'SUBSTITUTE_SCHEDULE_FAILED' },
  },
} satisfies Flow;

function foraEscalaFlow(turn: TurnContext): void {
  const state = turn.state;
  recordFlow(state, 'fora_escala');
  if ((state.shift.response ?? '').toLowerCase() !== 'cancelado') return emitCode(turn, 'OUT_OF_SCHEDULE');
  if (state.outcome.substitution === 'created') return emitCode(turn, 'SUBSTITUTION_ALREADY_DONE');
  if (state.outcome.substitution === 'refused' || shiftDayIsPast(state.shift.day, turn.env.now)) return emitCode(turn, 'CANCELLED_SHIFT_NOTICE');
  const choosing = state.substitution.awaitingChoice || state.pending?.kind === 'substituto.create';
  if (!choosing) {
    if (state.shift.substitutes.length === 0) return emitCode(turn, 'CANCELLED_NO_SUBSTITUTES');
    state.substitution.awaitingChoice = true;
    return emitCode(turn, 'CANCELLED_WITH_SUBSTITUTES');
  }
  const picked = pickedSubstitute(turn);
  const text = scratchOf(turn).text;
  if (!picked && (isRefusal(text) || (answerOf(turn) === 'no' && !understandingOf(turn).choice))) {
    abortPending(turn);
    state.substitution.awaitingChoice = false;
    state.outcome.substitution = 'refused';
    return emitCode(turn, 'CANCELLED_NO_SUBSTITUTE_CHOSEN');
  }
  if (!picked) return emitCode(turn, 'SUBSTITUTE_NOT_IDENTIFIED');
  state.substitution.awaitingChoice = false;
  stage(
    turn,
    'substituto.create',
    { operation: 'createNewSchedule', request: { scheduleIdentifier: state.shift.scheduleID ?? '', newCaregiverID: picked.id } },
    substituteQuestion(picked),
    'SUBSTITUTE_CONFIRMATION_REQUESTED',
  );
}

/** The substitute the message names: the understood choice first, then the raw text. */
function pickedSubstitute(turn: TurnContext): Substitute | null {
  const substitutes = turn.state.shift.substitutes;
  const choice = understandingOf(turn).choice;
  return (choice ? matchSubstitute(choice, substitutes) : null) ?? matchSubstitute(scratchOf(turn).text, substitutes);
}

/** A "não" to the chosen substitute: choose again. */
function choiceRefused(turn: TurnContext): void {
  abortPending(turn);
  turn.state.substitution.awaitingChoice = true;
  emitCode(turn, 'SUBSTITUTE_CHOICE_CANCELLED');
}

/** Another substitute, or an explicit refusal, replaces the question; anything else re-asks. */
function choiceOther(turn: TurnContext): void {
  if (pickedSubstitute(turn) || isRefusal(scratchOf(turn).text)) foraEscalaFlow(turn);
  else reask(turn);
}

/** The new schedule was created: remember who and that it is done. */
function scheduleCreated(turn: TurnContext, pending: PendingMirror): void {
  const state = turn.state;
  const id = pending.call.operation === 'createNewSchedule' ? pending.call.request.newCaregiverID : '';
  const chosen = state.shift.substitutes.find((sub) => sub.id === id) ?? { id, name: id };
  state.outcome.substitution = 'created';
  state.substitution = { awaitingChoice: false, chosen };
  emitCode(turn, 'SUBSTITUTE_SCHEDULE_CREATED', { name: chosen.name });
}

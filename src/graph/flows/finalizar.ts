import { getNoteReportResponse } from '../../contracts/backends.js';
import type { CallResult } from '../../contracts/engine.js';
import { FINALIZATION_TOPICS } from '../../contracts/understanding.js';
import { buildSummaryCall, mergeTopics, missingTopics } from '../finalization.js';
import type { Flow } from '../flow.js';
import { hasTopics } from '../message-content.js';
import { summaryQuestion } from '../replies.js';
import { applyResumePayload } from '../resume.js';
import { finalizationStarted, freshShiftState, isConfirmed, MAX_EXISTING_NOTES, recordFlow } from '../state.js';
import { abortPending, emitCode, next, reask, requestCall, scratchOf, stage, understandingOf, type TurnContext } from '../turn-context.js';

/**
 * finalizar: fetch the shift's existing notes once, collect the 8 topics across messages,
 * then stage updatereportsummaryad; on the backend's ok the shift state is closed. Forced by the
 * finish reminder; when the caregiver asks before it, the first assessment must be done (else:
 * clinico first, then resume here). Never asks for vital signs once the finish reminder was sent.
 */
export const finalizar = {
  run: finalizarFlow,
  pendingHandlers: {
    'finalizar.summary': { onNo: summaryRefused, onOther: summaryOther, onExecuted: shiftFinalized, failedCode: 'FINALIZATION_FAILED' },
  },
  resultHandlers: { notes: notesResult },
} satisfies Flow;

function finalizarFlow(turn: TurnContext): void {
  const state = turn.state;
  const scratch = scratchOf(turn);
  const understanding = understandingOf(turn);
  // The finalizar_plantao template is the finish reminder itself, even before the backend flag;
  // topics already collected mean this gate was passed on an earlier turn.
  const started = finalizationStarted(state);
  const forced = isConfirmed(state) && (state.shift.finishReminderSent || state.template.expecting === 'finalization' || started);
  if (!forced && !state.clinical.firstAssessmentDone) {
    // Topics sent so far wait in the marker, so the gate is not mistaken for passed.
    const topics = mergeTopics(state.resume?.payload.topics ?? {}, understanding.finalizationTopics);
    applyResumePayload(state, { topics: false });
    state.resume = {
      flow: 'finalizar',
      reason: 'first_assessment_required',
      payload: { vitals: {}, respiratoryCondition: null, clinicalNote: null, topics, intent: 'finalizar' },
      createdAt: turn.env.now,
    };
    emitCode(turn, 'CLINICAL_FIRST_ASSESSMENT_BEFORE_FINALIZATION');
    next(turn, { t: 'flow', flow: 'clinico' });
    return;
  }
  if (!state.finalization.notesFetched && !scratch.notesTried) {
    // Fetch the notes, then come back here (once per turn, even when the fetch fails).
    scratch.notesTried = true;
    next(turn, { t: 'flow', flow: 'finalizar' });
    requestCall(
      turn,
      'notes',
      'backend.query',
      { operation: 'getNoteReport', request: { reportID: state.shift.reportID ?? '', reportDate: state.shift.reportDate ?? '' } },
      `notes:${state.shift.reportID}:${scratch.messageId}`,
    );
    return;
  }
  const before = missingTopics(state.finalization.topics).length;
  applyResumePayload(state);
  if (state.resume?.flow === 'finalizar') {
    state.finalization.topics = mergeTopics(state.finalization.topics, state.resume.payload.topics);
    state.resume = null;
  }
  recordFlow(state, 'finalizar');
  // From here on the next messages are read as topics (see expectationOf).
  const firstTurn = state.finalization.startedAt === null;
  state.finalization.startedAt ??= turn.env.now;
  state.finalization.topics = mergeTopics(state.finalization.topics, understanding.finalizationTopics);
  const missing = missingTopics(state.finalization.topics);
  if (missing.length > 0) {
    const prior = state.pending?.kind === 'finalizar.summary';
    const first = firstTurn && missing.length === FINALIZATION_TOPICS.length;
    // Saying "Anotado" when nothing was read would be false: say so and show the expected form.
    const got = missing.length < before || hasTopics(understanding) ? 'yes' : 'no';
    emitCode(turn, 'FINALIZATION_PARTIAL_DATA', { missing, first: first ? 'yes' : 'no', got });
    if (prior) abortPending(turn);
    return;
  }
  const call = buildSummaryCall(state);
  stage(turn, 'finalizar.summary', call, summaryQuestion(call), 'FINALIZATION_READY_FOR_CONFIRMATION');
}

/** getNoteReport's answer: keep the latest notes; a failure leaves them unfetched (tried again next turn). */
function notesResult(turn: TurnContext, result: CallResult): void {
  if (!result.ok) return;
  const parsed = getNoteReportResponse.safeParse(result.data);
  if (!parsed.success) return;
  turn.state.finalization.existingNotes = parsed.data.notes.map((note) => note.noteDescAI).slice(-MAX_EXISTING_NOTES);
  turn.state.finalization.notesFetched = true;
}

/** A "não" to the summary: nothing is sent; the topics stay for corrections. */
function summaryRefused(turn: TurnContext): void {
  abortPending(turn);
  emitCode(turn, 'FINALIZATION_CANCELLED');
}

/** Topic corrections ("Humor: agitado") update and re-stage the summary; anything else re-asks. */
function summaryOther(turn: TurnContext): void {
  if (hasTopics(understandingOf(turn))) finalizarFlow(turn);
  else reask(turn);
}

/** The summary was sent: close the shift state, keeping the session's identity and history. */
function shiftFinalized(turn: TurnContext): void {
  const state = turn.state;
  const closed = freshShiftState({
    sessionId: state.sessionId,
    phone: state.phone,
    flows: state.flows,
    outcome: { presenceConfirmedAt: null, cancelledAt: null, substitution: null, finalizedAt: turn.env.now, lastClosedScheduleID: state.shift.scheduleID },
  });
  closed.turn = state.turn;
  turn.state = closed;
  emitCode(turn, 'FINALIZATION_COMPLETED');
}

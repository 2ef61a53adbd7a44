import type { Effect } from '../../contracts/engine.js';
import { FINALIZATION_TOPICS } from '../../contracts/understanding.js';
import { buildSummaryCall, mergeTopics, missingTopics } from '../finalization.js';
import { summaryQuestion } from '../replies.js';
import { finalizationStarted, isConfirmed, recordFlow } from '../state.js';
import { abortPending, emit, hasTopics, next, requestCall, stage, turnOf, understandingOf, type TurnCtx } from '../turn.js';
import { applyResumePayload } from './escala.js';

/**
 * finalizar: fetch the shift's existing notes once, collect the 8 topics across messages,
 * then stage updatereportsummaryad. Forced by the finish reminder; when the caregiver asks
 * before it, the first assessment must be done (else: clinico first, then resume here).
 * Never asks for vital signs once the finish reminder was sent.
 */
export function finalizarFlow(t: TurnCtx): Effect | null {
  const s = t.s;
  const turn = turnOf(t);
  const u = understandingOf(t);
  // The finalizar_plantao template is the finish reminder itself, even before the backend flag;
  // topics already collected mean this gate was passed on an earlier turn.
  const started = finalizationStarted(s);
  const forced = isConfirmed(s) && (s.shift.finishReminderSent || s.template.expecting === 'finalization' || started);
  if (!forced && !s.clinical.firstAssessmentDone) {
    // Topics sent so far wait in the marker, so the gate is not mistaken for passed.
    const topics = mergeTopics(s.resume?.payload.topics ?? {}, u.finalizationTopics);
    applyResumePayload(t, { topics: false });
    s.resume = {
      flow: 'finalizar',
      reason: 'first_assessment_required',
      payload: { vitals: {}, respiratoryCondition: null, clinicalNote: null, topics, intent: 'finalizar' },
      createdAt: t.ctx.now,
    };
    emit(t, 'CLINICAL_FIRST_ASSESSMENT_BEFORE_FINALIZATION');
    next(t, { t: 'flow', flow: 'clinico' });
    return null;
  }
  if (!s.finalization.notesFetched && !turn.notesTried) {
    turn.notesTried = true;
    next(t, { t: 'flow', flow: 'finalizar' });
    return requestCall(
      t,
      'notes',
      'backend.query',
      { operation: 'getNoteReport', request: { reportID: s.shift.reportID ?? '', reportDate: s.shift.reportDate ?? '' } },
      `notes:${s.shift.reportID}:${turn.messageId}`,
    );
  }
  const before = missingTopics(s.finalization.topics).length;
  applyResumePayload(t);
  if (s.resume?.flow === 'finalizar') {
    s.finalization.topics = mergeTopics(s.finalization.topics, s.resume.payload.topics);
    s.resume = null;
  }
  recordFlow(s, 'finalizar');
  // From here on the next messages are read as topics (see expectationOf).
  const firstTurn = s.finalization.startedAt === null;
  s.finalization.startedAt ??= t.ctx.now;
  s.finalization.topics = mergeTopics(s.finalization.topics, u.finalizationTopics);
  const missing = missingTopics(s.finalization.topics);
  if (missing.length > 0) {
    const prior = s.pending?.kind === 'finalizar.summary';
    const first = firstTurn && missing.length === FINALIZATION_TOPICS.length;
    // Saying "Anotado" when nothing was read would be false: say so and show the expected form.
    const got = missing.length < before || hasTopics(u) ? 'yes' : 'no';
    emit(t, 'FINALIZATION_PARTIAL_DATA', { missing, first: first ? 'yes' : 'no', got });
    if (prior) abortPending(t);
    return null;
  }
  const call = buildSummaryCall(s);
  stage(t, 'finalizar.summary', call, summaryQuestion(call), 'FINALIZATION_READY_FOR_CONFIRMATION');
  return null;
}

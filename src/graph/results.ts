import type { CallResult } from '../contracts/engine.js';
import { getNoteReportResponse } from '../contracts/backends.js';
import { presenceConfirmed, stagePresence } from './flows/escala.js';
import type { ResultCode } from './result-codes.js';
import { applyBootstrap } from './shift.js';
import { emptyClinical, freshShiftState, MAX_EXISTING_NOTES, recordFlow, shiftKnown, type PendingKind } from './state.js';
import { emit, next, stage, turnOf, understandingOf, type TurnCtx } from './turn.js';

/** The reply code when executing each kind of action failed at the backend (the action is offered again). */
const FAILED_CODE: Record<PendingKind, ResultCode> = {
  'escala.confirm': 'PRESENCE_CONFIRM_FAILED',
  'escala.cancel': 'SCHEDULE_CANCEL_FAILED',
  'clinico.save': 'CLINICAL_SAVE_FAILED',
  'clinico.note': 'CLINICAL_SAVE_FAILED',
  'finalizar.summary': 'FINALIZATION_FAILED',
  'substituto.create': 'SUBSTITUTE_SCHEDULE_FAILED',
};

/** Applies a `call.result` to the paused turn; the caller then runs the rest of the queue. */
export function applyCallResult(t: TurnCtx, event: CallResult): void {
  const turn = turnOf(t);
  const awaiting = turn.awaiting;
  if (!awaiting || awaiting.callId !== event.callId) {
    throw new Error(`engine: call.result for ${event.callId} does not match the awaited call ${awaiting?.callId ?? '(none)'}`);
  }
  turn.awaiting = null;
  switch (awaiting.purpose) {
    case 'op':
      turn.opDone = true;
      if (event.ok) {
        recordFlow(t.s, 'operacional');
        emit(t, 'OPERATIONAL_NOTE_SAVED', { note: understandingOf(t).operationalNote ?? '' });
      } else {
        emit(t, 'OPERATIONAL_NOTE_FAILED', { note: understandingOf(t).operationalNote ?? '' });
      }
      return;
    case 'bootstrap':
      return bootstrapResult(t, event);
    case 'notes':
      if (event.ok) {
        const parsed = getNoteReportResponse.safeParse(event.data);
        if (parsed.success) {
          t.s.finalization.existingNotes = parsed.data.notes.map((n) => n.noteDescAI).slice(-MAX_EXISTING_NOTES);
          t.s.finalization.notesFetched = true;
        }
      }
      return;
    case 'presenceDirect':
      if (event.ok) {
        recordFlow(t.s, 'escala');
        presenceConfirmed(t);
      } else {
        // Fall back to the two-phase question; a "sim" retries.
        stagePresence(t, 'PRESENCE_CONFIRM_FAILED');
      }
      return;
    case 'execute':
      return executeResult(t, event);
  }
}

function bootstrapResult(t: TurnCtx, event: CallResult): void {
  const turn = turnOf(t);
  const prior = t.s.pending;
  const applied = event.ok ? applyBootstrap(t.s, event.data, t.ctx.now) : null;
  if (!applied || applied.result === 'invalid') {
    // A failed refresh keeps the cached shift; without one there is nothing to work with.
    if (!shiftKnown(t.s)) {
      emit(t, 'BOOTSTRAP_FAILED');
      turn.queue = [];
    }
    return;
  }
  t.s = applied.state;
  if (applied.result === 'newShift' && prior) t.effects.push({ type: 'pending.abort', actionId: prior.actionId });
  // A lagging backend must not undo the schedule update this turn just made.
  if (applied.result === 'applied' && turn.forcedResponse && t.s.shift.response !== turn.forcedResponse) {
    t.s.shift.response = turn.forcedResponse;
  }
}

function executeResult(t: TurnCtx, event: CallResult): void {
  const s = t.s;
  const p = s.pending;
  s.pending = null;
  if (!event.ok) {
    if (event.error.code.startsWith('pendingAction.') || !p) {
      // Already executed (a duplicate "sim"), expired or superseded: nothing ran now.
      emit(t, 'PENDING_ALREADY_HANDLED');
      return;
    }
    // The backend failed: tell the truth and offer exactly the same call again, as a new action
    // (the failed one is terminal in the store). Only ever after a failure, so still at most once.
    stage(t, p.kind, p.call, p.description, FAILED_CODE[p.kind]);
    return;
  }
  if (!p) return;
  switch (p.kind) {
    case 'escala.confirm':
      recordFlow(s, 'escala');
      presenceConfirmed(t);
      return;
    case 'escala.cancel':
      recordFlow(s, 'escala');
      s.shift.response = 'cancelado';
      s.outcome.cancelledAt = t.ctx.now;
      s.resume = null;
      turnOf(t).forcedResponse = 'cancelado';
      emit(t, 'SCHEDULE_CANCELLED_BY_USER');
      next(t, { t: 'bootstrap', force: true }, { t: 'flow', flow: 'fora_escala' });
      return;
    case 'clinico.save':
    case 'clinico.note': {
      const firstDone = s.clinical.firstAssessmentDone || p.kind === 'clinico.save';
      s.clinical = emptyClinical(firstDone);
      emit(t, 'CLINICAL_DATA_SAVED');
      if (s.resume?.flow === 'finalizar' && firstDone) next(t, { t: 'flow', flow: 'finalizar' });
      return;
    }
    case 'finalizar.summary': {
      const closed = freshShiftState({
        sessionId: s.sessionId,
        phone: s.phone,
        flows: s.flows,
        outcome: { presenceConfirmedAt: null, cancelledAt: null, substitution: null, finalizedAt: t.ctx.now, lastClosedScheduleID: s.shift.scheduleID },
      });
      closed.turn = s.turn;
      t.s = closed;
      emit(t, 'FINALIZATION_COMPLETED');
      return;
    }
    case 'substituto.create': {
      const id = p.call.operation === 'createNewSchedule' ? p.call.request.newCaregiverID : '';
      const chosen = s.shift.substitutes.find((sub) => sub.id === id) ?? { id, name: id };
      s.outcome.substitution = 'created';
      s.substitution = { awaitingChoice: false, chosen };
      emit(t, 'SUBSTITUTE_SCHEDULE_CREATED', { name: chosen.name });
      return;
    }
  }
}

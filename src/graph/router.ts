import type { Effect } from '../contracts/engine.js';
import { hasClinicalData } from './clinical.js';
import { auxiliarFlow } from './flows/auxiliar.js';
import { clinicoFlow } from './flows/clinico.js';
import { afterPresence, keepForResume, presenceGate, stageCancel } from './flows/escala.js';
import { finalizarFlow } from './flows/finalizar.js';
import { foraEscalaFlow } from './flows/fora-escala.js';
import { operationalFlow, operationalStep } from './flows/operacional.js';
import { SHIFT_REFRESH_MS } from './shift.js';
import { finalizationStarted, isConfirmed, shiftKnown, type Task } from './state.js';
import { isRefusal, matchSubstitute } from './substitutes.js';
import { templateContextStale } from './templates.js';
import {
  abortPending,
  answerOf,
  emit,
  hasClinicalContent,
  hasTopics,
  isOperationalOnly,
  next,
  requestCall,
  requestExecute,
  turnOf,
  understandingOf,
  type TurnCtx,
} from './turn.js';

/**
 * The router precedence of DOMAIN.md as a queue of tasks: (1) operational note, (2) open
 * confirmation, (3) resume marker, (4) bootstrap, (5) finish reminder, (6) intent and gates.
 * Each task either finishes synchronously or returns the one call the turn must wait for.
 */
export function runTask(t: TurnCtx, task: Task): Effect | null {
  switch (task.t) {
    case 'op':
      return operationalStep(t);
    case 'pending':
      return pendingStep(t);
    case 'route':
      routeStep(t);
      return null;
    case 'bootstrap':
      return bootstrapStep(t, task.force);
    case 'gate':
      return gateStep(t);
    case 'afterPresence':
      afterPresence(t);
      return null;
    case 'flow':
      return runFlow(t, task.flow);
  }
}

function runFlow(t: TurnCtx, flow: Extract<Task, { t: 'flow' }>['flow']): Effect | null {
  switch (flow) {
    case 'escala':
      return presenceGate(t);
    case 'clinico':
      clinicoFlow(t);
      return null;
    case 'operacional':
      operationalFlow(t);
      return null;
    case 'finalizar':
      return finalizarFlow(t);
    case 'fora_escala':
      foraEscalaFlow(t);
      return null;
    case 'auxiliar':
      auxiliarFlow(t);
      return null;
  }
}

/** (2) An open confirmation: expired → tell and route on; yes → execute; no → abort (or ask again for a cancellation); other → re-ask. */
function pendingStep(t: TurnCtx): Effect | null {
  const s = t.s;
  const p = s.pending;
  if (!p) {
    next(t, { t: 'route' });
    return null;
  }
  if (p.expiresAt <= t.ctx.now) {
    t.effects.push({ type: 'pending.expire', actionId: p.actionId });
    s.pending = null;
    emit(t, 'PENDING_EXPIRED');
    next(t, { t: 'route' });
    return null;
  }
  const answer = answerOf(t);
  if (answer === 'yes') return requestExecute(t, p.actionId);
  if (answer === 'no') {
    switch (p.kind) {
      case 'escala.confirm':
        // A "não" to presence cancels only after a second, explicit confirmation (original bug H‑7).
        stageCancel(t);
        break;
      case 'escala.cancel':
        abortPending(t);
        emit(t, 'CANCEL_ABORTED');
        break;
      case 'clinico.save':
      case 'clinico.note':
        abortPending(t);
        emit(t, 'CLINICAL_DATA_CANCELLED');
        break;
      case 'finalizar.summary':
        abortPending(t);
        emit(t, 'FINALIZATION_CANCELLED');
        break;
      case 'substituto.create':
        abortPending(t);
        s.substitution.awaitingChoice = true;
        emit(t, 'SUBSTITUTE_CHOICE_CANCELLED');
        break;
    }
    return null;
  }
  return pendingOther(t);
}

/** Neither yes nor no: data for the pending flow updates (and re-stages) it; anything else re-asks. */
function pendingOther(t: TurnCtx): Effect | null {
  const s = t.s;
  const p = s.pending!;
  const u = understandingOf(t);
  const plain = turnOf(t).opDone ? { plain: 'yes' } : undefined;
  switch (p.kind) {
    case 'clinico.save':
    case 'clinico.note':
      if (hasClinicalContent(u)) return runFlow(t, 'clinico');
      if (u.invalidVitals.length > 0) emit(t, 'CLINICAL_INVALID_VALUES', { items: u.invalidVitals.map((iv) => `${iv.field} ${iv.value} (${iv.reason})`) });
      break;
    case 'finalizar.summary':
      if (hasTopics(u)) return runFlow(t, 'finalizar');
      break;
    case 'substituto.create': {
      const text = turnOf(t).text;
      const picked = (u.choice && matchSubstitute(u.choice, s.shift.substitutes)) || matchSubstitute(text, s.shift.substitutes);
      if (picked || isRefusal(text)) return runFlow(t, 'fora_escala');
      break;
    }
    case 'escala.confirm':
      // Clinical data sent before presence is kept for after the confirmation, never saved now.
      if (keepForResume(t)) {
        emit(t, 'PRESENCE_DATA_KEPT');
        emit(t, 'PENDING_REASK', { plain: 'yes' });
        return null;
      }
      // "cheguei" / "estou no plantão" to the presence question: ask for the explicit yes, without "Não entendi".
      if (u.intent === 'escala') {
        emit(t, 'PENDING_REASK', { plain: 'yes' });
        return null;
      }
      break;
    case 'escala.cancel':
      break;
  }
  emit(t, 'PENDING_REASK', plain);
  return null;
}

/** (3) Resume marker (dropped when stale); stale template context dropped; then bootstrap and gates. */
function routeStep(t: TurnCtx): void {
  const s = t.s;
  const turn = turnOf(t);
  if (s.resume && t.ctx.now - s.resume.createdAt > t.ctx.resumeTtlMs) s.resume = null;
  turn.resumeFlow = s.resume?.flow ?? null;
  if (templateContextStale(s.template, t.ctx.now)) {
    s.template.expecting = null;
    s.template.missingVitals = [];
  }
  // A message that was only an operational note is done once the note is handled.
  if (turn.opDone && isOperationalOnly(turn.understanding)) return;
  next(t, { t: 'bootstrap', force: false }, { t: 'gate' });
}

/**
 * (4) getScheduleStarted when the shift ids are unknown, on every turn of a confirmed shift
 * until the finish reminder, and when the cached shift is older than SHIFT_REFRESH_MS. Once per
 * turn unless forced (after a schedule update).
 */
function bootstrapStep(t: TurnCtx, force: boolean): Effect | null {
  const s = t.s;
  const turn = turnOf(t);
  if (!force) {
    if (turn.bootstraps > 0) return null;
    const stale = s.shift.bootstrappedAt === null || t.ctx.now - s.shift.bootstrappedAt > SHIFT_REFRESH_MS;
    const refresh = isConfirmed(s) && !s.shift.finishReminderSent;
    if (shiftKnown(s) && !stale && !refresh) return null;
  }
  turn.bootstraps += 1;
  // Per message (not per day): the backend must answer fresh flags (finishReminderSent) on each
  // new message, while a redelivery of the same message reuses the same key.
  const key = `bootstrap:${s.sessionId}:${turn.messageId}${turn.bootstraps > 1 ? `:${turn.bootstraps}` : ''}`;
  return requestCall(t, 'bootstrap', 'backend.query', { operation: 'getScheduleStarted', request: { phoneNumber: s.phone } }, key);
}

/** (5)+(6) The finish reminder, then the gates, then the intent. */
function gateStep(t: TurnCtx): Effect | null {
  const s = t.s;
  if (!shiftKnown(s)) return runFlow(t, 'auxiliar');
  const response = (s.shift.response ?? '').toLowerCase();
  if (response === 'cancelado' || response === 'sem lembretes') return runFlow(t, 'fora_escala');
  if (!s.shift.shiftAllow) return runFlow(t, 'auxiliar');
  if (isConfirmed(s) && s.shift.finishReminderSent) return runFlow(t, 'finalizar');
  if (!isConfirmed(s)) return runFlow(t, 'escala');
  const flow = chooseFlow(t);
  return flow ? runFlow(t, flow) : null;
}

/** The flow of a confirmed shift: a live resume marker, then the message's content and intent. */
function chooseFlow(t: TurnCtx): Extract<Task, { t: 'flow' }>['flow'] | null {
  const s = t.s;
  const turn = turnOf(t);
  const u = understandingOf(t);
  if (turn.resumeFlow === 'finalizar') {
    // Diverted for the first assessment: keep collecting it; finalizar resumes after the save.
    const diverted = s.resume?.reason === 'first_assessment_required' && !s.clinical.firstAssessmentDone;
    return diverted ? 'clinico' : 'finalizar';
  }
  if (turn.resumeFlow === 'clinico') return 'clinico';
  if (hasTopics(u) || u.intent === 'finalizar' || s.template.expecting === 'finalization') return 'finalizar';
  if (hasClinicalContent(u) || u.invalidVitals.length > 0 || u.intent === 'clinico') return 'clinico';
  if (s.template.expecting === 'vitals' || s.template.expecting === 'clinical_note') return 'clinico';
  // A finalization under way takes whatever else comes (it says which topics are still missing).
  if (finalizationStarted(s)) return 'finalizar';
  if (u.intent === 'escala') {
    emit(t, 'PRESENCE_ALREADY_CONFIRMED');
    emit(t, 'NEXT_STEPS_HINT');
    return null;
  }
  if (u.intent === 'operacional') return 'operacional';
  if (answerOf(t) !== null) {
    // A bare yes/no with nothing open: re-offer collected data (e.g. after an expiry), else say so.
    if (hasClinicalData(s.clinical)) return 'clinico';
    emit(t, 'NOTHING_PENDING');
    return null;
  }
  if (u.intent === 'auxiliar') return 'auxiliar';
  if (hasClinicalData(s.clinical)) return 'clinico';
  return 'auxiliar';
}

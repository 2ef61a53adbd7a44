import type { CallResult } from '../contracts/engine.js';
import { bootstrapResult, bootstrapStep } from './bootstrap.js';
import { hasClinicalData } from './clinical.js';
import { executeResult, pendingStep } from './confirmation.js';
import { contentStep } from './content.js';
import type { ResultHandler } from './flow.js';
import { afterPresence } from './flows/escala.js';
import { FLOW_RESULT_HANDLERS, FLOWS } from './flows/index.js';
import { operationalStep } from './flows/operacional.js';
import { hasClinicalContent, hasTopics, isOperationalOnly } from './message-content.js';
import { finalizationStarted, isConfirmed, shiftKnown, type CallPurpose, type FlowName, type Task } from './state.js';
import { templateContextStale } from './templates.js';
import { answerOf, emitCode, next, scratchOf, understandingOf, type TurnContext } from './turn-context.js';

/**
 * The router precedence of DOMAIN.md as a queue of tasks: (0) what the message carries (media,
 * location, reactions… answered for what they are), (1) operational note, (2) open
 * confirmation, (3) resume marker, (4) bootstrap, (5) finish reminder, (6) intent and gates.
 * Each task runs to its end; one that needs a backend call declares it, and the turn pauses
 * until the result, which goes back by the call's purpose to the step or flow that asked.
 */
export function runTask(turn: TurnContext, task: Task): void {
  switch (task.t) {
    case 'content':
      return contentStep(turn);
    case 'op':
      return operationalStep(turn);
    case 'pending':
      return pendingStep(turn);
    case 'route':
      return routeStep(turn);
    case 'bootstrap':
      return bootstrapStep(turn, task.force);
    case 'gate':
      return gateStep(turn);
    case 'afterPresence':
      return afterPresence(turn);
    case 'flow':
      return runFlow(turn, task.flow);
  }
}

/** Who continues after each kind of call. */
const RESULT_HANDLERS: Record<CallPurpose, ResultHandler> = {
  ...FLOW_RESULT_HANDLERS,
  bootstrap: bootstrapResult,
  execute: executeResult,
};

/** Applies a `call.result` to the paused turn; the caller then runs the rest of the queue. */
export function applyCallResult(turn: TurnContext, result: CallResult): void {
  const scratch = scratchOf(turn);
  const awaiting = scratch.awaiting;
  if (!awaiting || awaiting.callId !== result.callId) {
    throw new Error(`engine: call.result for ${result.callId} does not match the awaited call ${awaiting?.callId ?? '(none)'}`);
  }
  scratch.awaiting = null;
  RESULT_HANDLERS[awaiting.purpose](turn, result);
}

function runFlow(turn: TurnContext, flow: FlowName): void {
  FLOWS[flow].run(turn);
}

/** (3) Resume marker (dropped when stale); stale template context dropped; then bootstrap and gates. */
function routeStep(turn: TurnContext): void {
  const state = turn.state;
  const scratch = scratchOf(turn);
  if (state.resume && turn.env.now - state.resume.createdAt > turn.env.resumeTtlMs) state.resume = null;
  scratch.resumeFlow = state.resume?.flow ?? null;
  if (templateContextStale(state.template, turn.env.now)) {
    state.template.expecting = null;
    state.template.missingVitals = [];
  }
  // A message that was only an operational note is done once the note is handled.
  if (scratch.opDone && isOperationalOnly(scratch.understanding)) return;
  next(turn, { t: 'bootstrap', force: false }, { t: 'gate' });
}

/** (5)+(6) The finish reminder, then the gates, then the intent. */
function gateStep(turn: TurnContext): void {
  const state = turn.state;
  if (!shiftKnown(state)) return runFlow(turn, 'auxiliar');
  const response = (state.shift.response ?? '').toLowerCase();
  if (response === 'cancelado' || response === 'sem lembretes') return runFlow(turn, 'fora_escala');
  if (!state.shift.shiftAllow) return runFlow(turn, 'auxiliar');
  if (isConfirmed(state) && state.shift.finishReminderSent) return runFlow(turn, 'finalizar');
  if (!isConfirmed(state)) return runFlow(turn, 'escala');
  const flow = chooseFlow(turn);
  if (flow) runFlow(turn, flow);
}

/** The flow of a confirmed shift: a live resume marker, then the message's content and intent. */
function chooseFlow(turn: TurnContext): FlowName | null {
  const state = turn.state;
  const scratch = scratchOf(turn);
  const understanding = understandingOf(turn);
  if (scratch.resumeFlow === 'finalizar') {
    // Diverted for the first assessment: keep collecting it; finalizar resumes after the save.
    const diverted = state.resume?.reason === 'first_assessment_required' && !state.clinical.firstAssessmentDone;
    return diverted ? 'clinico' : 'finalizar';
  }
  if (scratch.resumeFlow === 'clinico') return 'clinico';
  if (hasTopics(understanding) || understanding.intent === 'finalizar' || state.template.expecting === 'finalization') return 'finalizar';
  if (hasClinicalContent(understanding) || understanding.invalidVitals.length > 0 || understanding.intent === 'clinico') return 'clinico';
  if (state.template.expecting === 'vitals' || state.template.expecting === 'clinical_note') return 'clinico';
  // A finalization under way takes whatever else comes (it says which topics are still missing).
  if (finalizationStarted(state)) return 'finalizar';
  if (understanding.intent === 'escala') {
    emitCode(turn, 'PRESENCE_ALREADY_CONFIRMED');
    emitCode(turn, 'NEXT_STEPS_HINT');
    return null;
  }
  if (understanding.intent === 'operacional') return 'operacional';
  if (answerOf(turn) !== null) {
    // A bare yes/no with nothing open: re-offer collected data (e.g. after an expiry), else say so.
    if (hasClinicalData(state.clinical)) return 'clinico';
    emitCode(turn, 'NOTHING_PENDING');
    return null;
  }
  if (understanding.intent === 'auxiliar') return 'auxiliar';
  if (hasClinicalData(state.clinical)) return 'clinico';
  return 'auxiliar';
}

import { buildClinicalCall, clinicalStatus, formatVitals, mergeVitals } from '../clinical.js';
import type { Flow, PendingHandlers } from '../flow.js';
import { hasClinicalContent, invalidVitalItems } from '../message-content.js';
import { clinicalQuestion, noteQuestion } from '../replies.js';
import { applyResumePayload } from '../resume.js';
import { emptyClinical, recordFlow, type PendingMirror } from '../state.js';
import { abortPending, emitCode, next, reask, stage, understandingOf, type TurnContext } from '../turn-context.js';

/**
 * clinico: vital signs, respiratory condition and clinical note, merged across messages.
 * Out-of-range values arrive in `invalidVitals` and are named in the reply, never stored.
 * When the data is complete (first-assessment rule) exactly that data is staged for a "sim".
 */
export const clinico = {
  run: clinicoFlow,
  pendingHandlers: {
    'clinico.save': clinicalConfirmation(),
    'clinico.note': clinicalConfirmation(),
  },
} satisfies Flow;

function clinicoFlow(turn: TurnContext): void {
  const state = turn.state;
  const understanding = understandingOf(turn);
  applyResumePayload(state);
  const clinical = state.clinical;
  clinical.vitals = mergeVitals(clinical.vitals, understanding.vitals);
  if (understanding.respiratoryCondition) clinical.respiratoryCondition = understanding.respiratoryCondition;
  if (understanding.clinicalNote?.trim()) clinical.note = understanding.clinicalNote.trim();
  recordFlow(state, 'clinico');

  if (understanding.invalidVitals.length > 0) emitCode(turn, 'CLINICAL_INVALID_VALUES', { items: invalidVitalItems(understanding) });
  // A clinical confirmation still open is replaced by what this turn decides.
  const prior = state.pending && (state.pending.kind === 'clinico.save' || state.pending.kind === 'clinico.note') ? state.pending : null;
  const status = clinicalStatus(clinical);
  switch (status.kind) {
    case 'empty':
      if (understanding.invalidVitals.length === 0) emitCode(turn, 'CLINICAL_NO_DATA_FOUND');
      break;
    case 'noteOnlyFirst':
      emitCode(turn, 'CLINICAL_INCOMPLETE_FIRST_ASSESSMENT');
      break;
    case 'partial': {
      const kept = [formatVitals(clinical.vitals), clinical.respiratoryCondition ?? '', clinical.note ? 'a nota' : ''].filter(Boolean).join(', ');
      emitCode(turn, 'CLINICAL_PARTIAL_DATA', { kept, missing: status.missing });
      break;
    }
    case 'complete': {
      const call = buildClinicalCall(state, false);
      stage(turn, 'clinico.save', call, clinicalQuestion(call), 'CLINICAL_DATA_READY_FOR_CONFIRMATION');
      return;
    }
    case 'noteOnly': {
      const call = buildClinicalCall(state, true);
      stage(turn, 'clinico.note', call, noteQuestion(call), 'CLINICAL_NOTE_READY_FOR_CONFIRMATION');
      return;
    }
  }
  if (prior) abortPending(turn);
}

/** The save question (a full assessment or a note alone) is answered the same way. */
function clinicalConfirmation(): PendingHandlers {
  return { onNo: saveRefused, onOther: clinicalOther, onExecuted: clinicalSaved, failedCode: 'CLINICAL_SAVE_FAILED' };
}

/** A "não" keeps the data for corrections; nothing is saved. */
function saveRefused(turn: TurnContext): void {
  abortPending(turn);
  emitCode(turn, 'CLINICAL_DATA_CANCELLED');
}

/** More data (a correction or a complement) updates and re-stages the save; anything else re-asks. */
function clinicalOther(turn: TurnContext): void {
  const understanding = understandingOf(turn);
  if (hasClinicalContent(understanding)) {
    clinicoFlow(turn);
    return;
  }
  if (understanding.invalidVitals.length > 0) emitCode(turn, 'CLINICAL_INVALID_VALUES', { items: invalidVitalItems(understanding) });
  reask(turn);
}

/** Saved: clear the block (a full assessment completes the first one) and resume a finalization that waited for it. */
function clinicalSaved(turn: TurnContext, pending: PendingMirror): void {
  const state = turn.state;
  const firstDone = state.clinical.firstAssessmentDone || pending.kind === 'clinico.save';
  state.clinical = emptyClinical(firstDone);
  emitCode(turn, 'CLINICAL_DATA_SAVED');
  if (state.resume?.flow === 'finalizar' && firstDone) next(turn, { t: 'flow', flow: 'finalizar' });
}

import { buildClinicalCall, clinicalStatus, formatVitals, mergeVitals } from '../clinical.js';
import { clinicalQuestion, noteQuestion } from '../replies.js';
import { recordFlow } from '../state.js';
import { abortPending, emit, stage, understandingOf, type TurnCtx } from '../turn.js';
import { applyResumePayload } from './escala.js';

/**
 * clinico: vital signs, respiratory condition and clinical note, merged across messages.
 * Out-of-range values arrive in `invalidVitals` and are named in the reply, never stored.
 * When the data is complete (first-assessment rule) exactly that data is staged for a "sim".
 */
export function clinicoFlow(t: TurnCtx): void {
  const s = t.s;
  const u = understandingOf(t);
  applyResumePayload(t);
  const c = s.clinical;
  c.vitals = mergeVitals(c.vitals, u.vitals);
  if (u.respiratoryCondition) c.respiratoryCondition = u.respiratoryCondition;
  if (u.clinicalNote?.trim()) c.note = u.clinicalNote.trim();
  recordFlow(s, 'clinico');

  if (u.invalidVitals.length > 0) {
    emit(t, 'CLINICAL_INVALID_VALUES', { items: u.invalidVitals.map((iv) => `${iv.field} ${iv.value} (${iv.reason})`) });
  }
  // A clinical confirmation still open is replaced by what this turn decides.
  const prior = s.pending && (s.pending.kind === 'clinico.save' || s.pending.kind === 'clinico.note') ? s.pending : null;
  const status = clinicalStatus(c);
  switch (status.kind) {
    case 'empty':
      if (u.invalidVitals.length === 0) emit(t, 'CLINICAL_NO_DATA_FOUND');
      break;
    case 'noteOnlyFirst':
      emit(t, 'CLINICAL_INCOMPLETE_FIRST_ASSESSMENT');
      break;
    case 'partial': {
      const kept = [formatVitals(c.vitals), c.respiratoryCondition ?? '', c.note ? 'a nota' : ''].filter(Boolean).join(', ');
      emit(t, 'CLINICAL_PARTIAL_DATA', { kept, missing: status.missing });
      break;
    }
    case 'complete': {
      const call = buildClinicalCall(s, false);
      stage(t, 'clinico.save', call, clinicalQuestion(call), 'CLINICAL_DATA_READY_FOR_CONFIRMATION');
      return;
    }
    case 'noteOnly': {
      const call = buildClinicalCall(s, true);
      stage(t, 'clinico.note', call, noteQuestion(call), 'CLINICAL_NOTE_READY_FOR_CONFIRMATION');
      return;
    }
  }
  if (prior) abortPending(t);
}

import type { UnderstandingContext } from '../contracts/understanding.js';
import { assessmentInProgress, missingVitals } from './clinical.js';
import { isConfirmed, type State } from './state.js';

/** What the next message is expected to be, for the understanding layer. Pure. */
export function expectationOf(s: State): UnderstandingContext {
  if (s.pending) return { expecting: 'yes_no' };
  if (s.substitution.awaitingChoice) return { expecting: 'substitute_choice' };
  const finalizing = (isConfirmed(s) && s.shift.finishReminderSent) || s.template.expecting === 'finalization';
  if (finalizing || Object.keys(s.finalization.topics).length > 0) return { expecting: 'finalization_topics' };
  if (s.template.expecting === 'presence') return { expecting: 'yes_no' };
  if (s.template.expecting === 'vitals') {
    const missing = s.template.missingVitals.length > 0 ? s.template.missingVitals : missingVitals(s.clinical.vitals);
    return { expecting: 'vitals', missingVitals: missing };
  }
  if (assessmentInProgress(s.clinical)) return { expecting: 'vitals', missingVitals: missingVitals(s.clinical.vitals) };
  if (s.template.expecting === 'clinical_note') return { expecting: 'clinical_note' };
  return { expecting: 'none' };
}

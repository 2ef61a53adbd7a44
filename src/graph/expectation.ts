import type { FinalizationTopic, UnderstandingContext } from '../contracts/understanding.js';
import { assessmentInProgress, missingVitals } from './clinical.js';
import { missingTopics } from './finalization.js';
import { finalizationStarted, isConfirmed, type State } from './state.js';

/**
 * The engine's expectation. `missingTopics` is an optional extra the rules understanding reads
 * (its `NluContext`), so a bare "sem informações" fills exactly the topics still missing.
 */
export interface EngineExpectation extends UnderstandingContext {
  missingTopics?: FinalizationTopic[];
}

/** What the next message is expected to be, for the understanding layer. Pure. */
export function expectationOf(s: State): EngineExpectation {
  const topics = (): EngineExpectation => ({ expecting: 'finalization_topics', missingTopics: missingTopics(s.finalization.topics) });
  // The summary question is answered with yes/no, but also with topic corrections ("Humor: agitado"),
  // which the understanding only reads when it expects topics; yes/no is read in every context.
  if (s.pending) return s.pending.kind === 'finalizar.summary' ? topics() : { expecting: 'yes_no' };
  if (s.substitution.awaitingChoice) return { expecting: 'substitute_choice' };
  const finalizing = (isConfirmed(s) && s.shift.finishReminderSent) || s.template.expecting === 'finalization';
  // A finalization the caregiver started ("finalizar plantão") before the finish reminder is
  // collecting topics too, even before the first topic arrives.
  if (finalizing || finalizationStarted(s)) return topics();
  if (s.template.expecting === 'presence') return { expecting: 'yes_no' };
  if (s.template.expecting === 'vitals') {
    const missing = s.template.missingVitals.length > 0 ? s.template.missingVitals : missingVitals(s.clinical.vitals);
    return { expecting: 'vitals', missingVitals: missing };
  }
  if (assessmentInProgress(s.clinical)) return { expecting: 'vitals', missingVitals: missingVitals(s.clinical.vitals) };
  if (s.template.expecting === 'clinical_note') return { expecting: 'clinical_note' };
  return { expecting: 'none' };
}

import type { FinalizationTopic, UnderstandingContext } from '../contracts/understanding.js';
import { assessmentInProgress, missingVitals } from './clinical.js';
import { missingTopics } from './finalization.js';
import { finalizationStarted, isConfirmed, type State } from './state.js';
import { templateContextStale } from './templates.js';

/**
 * The engine's expectation. `missingTopics` is an optional extra the rules understanding reads
 * (its `NluContext`), so a bare "sem informações" fills exactly the topics still missing.
 */
export interface EngineExpectation extends UnderstandingContext {
  missingTopics?: FinalizationTopic[];
}

/**
 * What the next message is expected to be, for the understanding layer. Pure. A template context
 * older than its TTL shapes nothing (the router drops it in the same turn).
 */
export function expectationOf(state: State, now: number): EngineExpectation {
  const template = templateContextStale(state.template, now) ? { expecting: null, missingVitals: [] } : state.template;
  const topics = (): EngineExpectation => ({ expecting: 'finalization_topics', missingTopics: missingTopics(state.finalization.topics) });
  // The summary question is answered with yes/no, but also with topic corrections ("Humor: agitado"),
  // which the understanding only reads when it expects topics; yes/no is read in every context.
  if (state.pending) return state.pending.kind === 'finalizar.summary' ? topics() : { expecting: 'yes_no' };
  if (state.substitution.awaitingChoice) return { expecting: 'substitute_choice' };
  const finalizing = (isConfirmed(state) && state.shift.finishReminderSent) || template.expecting === 'finalization';
  // A finalization the caregiver started ("finalizar plantão") before the finish reminder is
  // collecting topics too, even before the first topic arrives.
  if (finalizing || finalizationStarted(state)) return topics();
  if (template.expecting === 'presence') return { expecting: 'yes_no' };
  if (template.expecting === 'vitals') {
    const missing = template.missingVitals.length > 0 ? template.missingVitals : missingVitals(state.clinical.vitals);
    return { expecting: 'vitals', missingVitals: missing };
  }
  if (assessmentInProgress(state.clinical)) return { expecting: 'vitals', missingVitals: missingVitals(state.clinical.vitals) };
  if (template.expecting === 'clinical_note') return { expecting: 'clinical_note' };
  return { expecting: 'none' };
}

/** Pure: the people the state names (caregiver, patient, substitutes: first names, ids; the phone), for the LLM's redaction. */
export function identitiesOf(state: State): string[] {
  const { shift } = state;
  const all = [state.phone, state.sessionId, shift.caregiverFirstName, shift.caregiverID, shift.patientFirstName, shift.patientID];
  for (const s of shift.substitutes) all.push(s.name, s.id);
  return [...new Set(all.filter((v): v is string => typeof v === 'string' && v.trim().length >= 2))];
}

import { mergeVitals } from './clinical.js';
import { mergeTopics } from './finalization.js';
import type { State } from './state.js';

/**
 * Moves a presence-diversion payload (kept by escala while presence was unconfirmed) into the
 * clinical and, unless `topics: false`, the finalization blocks, and clears the marker. Mutates
 * `state`; does nothing for any other marker.
 */
export function applyResumePayload(state: State, options: { topics: boolean } = { topics: true }): void {
  const resume = state.resume;
  if (!resume || resume.reason !== 'presence_required') return;
  const clinical = state.clinical;
  clinical.vitals = mergeVitals(clinical.vitals, resume.payload.vitals);
  clinical.respiratoryCondition = resume.payload.respiratoryCondition ?? clinical.respiratoryCondition;
  clinical.note = resume.payload.clinicalNote ?? clinical.note;
  if (options.topics) state.finalization.topics = mergeTopics(state.finalization.topics, resume.payload.topics);
  state.resume = null;
}

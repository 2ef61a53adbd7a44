import type { StoredUnderstanding } from './state.js';

/** Pure predicates on what one message carries, as understood. */

/** Whether the message carries vitals, a respiratory condition or a clinical note. */
export function hasClinicalContent(understanding: StoredUnderstanding): boolean {
  return (
    Object.values(understanding.vitals).some((v) => v !== undefined && v !== null) ||
    understanding.respiratoryCondition !== null ||
    Boolean(understanding.clinicalNote?.trim())
  );
}

/** Whether the message carries any finalization topic. */
export function hasTopics(understanding: StoredUnderstanding): boolean {
  return Object.values(understanding.finalizationTopics).some((v) => Boolean(v?.trim()));
}

/** Whether the message carries nothing beyond an operational note. */
export function isOperationalOnly(understanding: StoredUnderstanding): boolean {
  return (
    Boolean(understanding.operationalNote) &&
    !hasClinicalContent(understanding) &&
    !hasTopics(understanding) &&
    understanding.invalidVitals.length === 0 &&
    understanding.choice === null &&
    (understanding.intent === null || understanding.intent === 'operacional')
  );
}

/** The rejected values of the message as "field value (reason)" items, for CLINICAL_INVALID_VALUES. */
export function invalidVitalItems(understanding: StoredUnderstanding): string[] {
  return understanding.invalidVitals.map((iv) => `${iv.field} ${iv.value} (${iv.reason})`);
}

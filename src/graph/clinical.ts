import type { BackendCall } from '../contracts/backends.js';
import { VITAL_FIELDS, type Vitals } from '../contracts/understanding.js';
import type { Clinical, State } from './state.js';

/** Pure helpers of the clinico flow: completeness rules, the staged call and its summary. */

export type VitalField = (typeof VITAL_FIELDS)[number];

/** Merges newly understood (already range-validated) vitals over the stored ones. Pure. */
export function mergeVitals(base: Vitals, extra: Vitals): Vitals {
  const out: Vitals = { ...base };
  for (const field of VITAL_FIELDS) {
    const value = extra[field];
    if (value !== undefined && value !== null) (out as Record<string, unknown>)[field] = value;
  }
  return out;
}

/** The vital fields still missing, in the canonical order. Pure. */
export function missingVitals(vitals: Vitals): VitalField[] {
  return VITAL_FIELDS.filter((f) => vitals[f] === undefined || vitals[f] === null);
}

/** Whether an assessment (vitals or respiratory condition) is under way. Pure. */
export function assessmentInProgress(clinical: Clinical): boolean {
  return missingVitals(clinical.vitals).length < VITAL_FIELDS.length || clinical.respiratoryCondition !== null;
}

/** Whether the clinical block holds anything at all. Pure. */
export function hasClinicalData(clinical: Clinical): boolean {
  return assessmentInProgress(clinical) || Boolean(clinical.note);
}

export type ClinicalStatus =
  { kind: 'empty' } | { kind: 'noteOnlyFirst' } | { kind: 'partial'; missing: string[] } | { kind: 'complete' } | { kind: 'noteOnly' };

/**
 * Applies the first-assessment rule (DOMAIN.md): the first assessment needs 5 vitals, the
 * respiratory condition and a note; later ones 5 vitals and the condition; a note alone is
 * accepted only after the first assessment and with no assessment in progress. Pure.
 */
export function clinicalStatus(clinical: Clinical): ClinicalStatus {
  const inProgress = assessmentInProgress(clinical);
  if (!inProgress && !clinical.note) return { kind: 'empty' };
  if (!inProgress) return clinical.firstAssessmentDone ? { kind: 'noteOnly' } : { kind: 'noteOnlyFirst' };
  const missing: string[] = [...missingVitals(clinical.vitals)];
  if (!clinical.respiratoryCondition) missing.push('condição respiratória');
  if (!clinical.firstAssessmentDone && !clinical.note) missing.push('nota clínica');
  return missing.length === 0 ? { kind: 'complete' } : { kind: 'partial', missing };
}

/** The shift ids every updateClinicalData call carries (clinical saves and operational notes). Pure. */
export function clinicalIds(state: State) {
  return {
    reportID: state.shift.reportID ?? '',
    reportDate: state.shift.reportDate ?? '',
    scheduleID: state.shift.scheduleID ?? '',
    caregiverIdentifier: state.shift.caregiverID ?? '',
    patientIdentifier: state.shift.patientID ?? '',
  };
}

/** Builds the updateClinicalData call from the shift ids and the clinical block. Pure. */
export function buildClinicalCall(state: State, noteOnly: boolean): BackendCall {
  const clinical = state.clinical;
  const vitals = clinical.vitals;
  const request = {
    ...clinicalIds(state),
    ...(noteOnly
      ? {}
      : {
          bloodPressure: vitals.PA,
          heartRate: vitals.FC,
          respRate: vitals.FR,
          saturationO2: vitals.Sat,
          temperature: vitals.Temp,
          supplementaryOxygen: clinical.respiratoryCondition ?? undefined,
        }),
    ...(clinical.note ? { clinicalNote: clinical.note } : {}),
  };
  // Drop undefined keys so the stored call is exactly what the summary shows.
  const clean = Object.fromEntries(Object.entries(request).filter(([, value]) => value !== undefined));
  return { operation: 'updateClinicalData', request: clean as typeof request };
}

/** Formats a temperature the Brazilian way (decimal comma). Pure. */
function formatTemp(celsius: number): string {
  return String(celsius).replace('.', ',');
}

/** "PA 120x80, FC 78, FR 18, Sat 97%, Temp 36,5 °C" for the vitals present. Pure. */
export function formatVitals(vitals: Vitals): string {
  const parts: string[] = [];
  if (vitals.PA) parts.push(`PA ${vitals.PA}`);
  if (vitals.FC !== undefined) parts.push(`FC ${vitals.FC}`);
  if (vitals.FR !== undefined) parts.push(`FR ${vitals.FR}`);
  if (vitals.Sat !== undefined) parts.push(`Sat ${vitals.Sat}%`);
  if (vitals.Temp !== undefined) parts.push(`Temp ${formatTemp(vitals.Temp)} °C`);
  return parts.join(', ');
}

/** The summary of exactly what the staged call carries. Pure. */
export function summarizeClinicalCall(call: BackendCall): string {
  if (call.operation !== 'updateClinicalData') return '';
  const request = call.request;
  const vitals = formatVitals({ PA: request.bloodPressure, FC: request.heartRate, FR: request.respRate, Sat: request.saturationO2, Temp: request.temperature });
  const parts: string[] = [];
  if (vitals) parts.push(vitals);
  if (request.supplementaryOxygen) parts.push(request.supplementaryOxygen);
  const head = parts.join(', ');
  const note = request.clinicalNote ? `Nota: "${request.clinicalNote}"` : '';
  return [head, note].filter(Boolean).join('. ');
}

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
export function missingVitals(v: Vitals): VitalField[] {
  return VITAL_FIELDS.filter((f) => v[f] === undefined || v[f] === null);
}

/** Whether an assessment (vitals or respiratory condition) is under way. Pure. */
export function assessmentInProgress(c: Clinical): boolean {
  return missingVitals(c.vitals).length < VITAL_FIELDS.length || c.respiratoryCondition !== null;
}

/** Whether the clinical block holds anything at all. Pure. */
export function hasClinicalData(c: Clinical): boolean {
  return assessmentInProgress(c) || Boolean(c.note);
}

export type ClinicalStatus =
  | { kind: 'empty' }
  | { kind: 'noteOnlyFirst' }
  | { kind: 'partial'; missing: string[] }
  | { kind: 'complete' }
  | { kind: 'noteOnly' };

/**
 * Applies the first-assessment rule (DOMAIN.md): the first assessment needs 5 vitals, the
 * respiratory condition and a note; later ones 5 vitals and the condition; a note alone is
 * accepted only after the first assessment and with no assessment in progress. Pure.
 */
export function clinicalStatus(c: Clinical): ClinicalStatus {
  const inProgress = assessmentInProgress(c);
  if (!inProgress && !c.note) return { kind: 'empty' };
  if (!inProgress) return c.firstAssessmentDone ? { kind: 'noteOnly' } : { kind: 'noteOnlyFirst' };
  const missing: string[] = [...missingVitals(c.vitals)];
  if (!c.respiratoryCondition) missing.push('condição respiratória');
  if (!c.firstAssessmentDone && !c.note) missing.push('nota clínica');
  return missing.length === 0 ? { kind: 'complete' } : { kind: 'partial', missing };
}

/** The shift ids every updateClinicalData call carries (clinical saves and operational notes). Pure. */
export function clinicalIds(s: State) {
  return {
    reportID: s.shift.reportID ?? '',
    reportDate: s.shift.reportDate ?? '',
    scheduleID: s.shift.scheduleID ?? '',
    caregiverIdentifier: s.shift.caregiverID ?? '',
    patientIdentifier: s.shift.patientID ?? '',
  };
}

/** Builds the updateClinicalData call from the shift ids and the clinical block. Pure. */
export function buildClinicalCall(s: State, noteOnly: boolean): BackendCall {
  const c = s.clinical;
  const v = c.vitals;
  const request = {
    ...clinicalIds(s),
    ...(noteOnly
      ? {}
      : {
          bloodPressure: v.PA,
          heartRate: v.FC,
          respRate: v.FR,
          saturationO2: v.Sat,
          temperature: v.Temp,
          supplementaryOxygen: c.respiratoryCondition ?? undefined,
        }),
    ...(c.note ? { clinicalNote: c.note } : {}),
  };
  // Drop undefined keys so the stored call is exactly what the summary shows.
  const clean = Object.fromEntries(Object.entries(request).filter(([, value]) => value !== undefined));
  return { operation: 'updateClinicalData', request: clean as typeof request };
}

/** Formats a temperature the Brazilian way (decimal comma). Pure. */
export function formatTemp(t: number): string {
  return String(t).replace('.', ',');
}

/** "PA 120x80, FC 78, FR 18, Sat 97%, Temp 36,5 °C" for the vitals present. Pure. */
export function formatVitals(v: Vitals): string {
  const parts: string[] = [];
  if (v.PA) parts.push(`PA ${v.PA}`);
  if (v.FC !== undefined) parts.push(`FC ${v.FC}`);
  if (v.FR !== undefined) parts.push(`FR ${v.FR}`);
  if (v.Sat !== undefined) parts.push(`Sat ${v.Sat}%`);
  if (v.Temp !== undefined) parts.push(`Temp ${formatTemp(v.Temp)} °C`);
  return parts.join(', ');
}

/** The summary of exactly what the staged call carries. Pure. */
export function summarizeClinicalCall(call: BackendCall): string {
  if (call.operation !== 'updateClinicalData') return '';
  const r = call.request;
  const vitals = formatVitals({ PA: r.bloodPressure, FC: r.heartRate, FR: r.respRate, Sat: r.saturationO2, Temp: r.temperature });
  const parts: string[] = [];
  if (vitals) parts.push(vitals);
  if (r.supplementaryOxygen) parts.push(r.supplementaryOxygen);
  const head = parts.join(', ');
  const note = r.clinicalNote ? `Nota: "${r.clinicalNote}"` : '';
  return [head, note].filter(Boolean).join('. ');
}

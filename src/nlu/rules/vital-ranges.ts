import type { Vitals } from '../../contracts/understanding.js';

/**
 * Deterministic normalisation and range validation of vital signs (DOMAIN.md). Used by the rules
 * AND applied to whatever the LLM extracted: the LLM only extracts, this code decides.
 */

export type VitalField = 'PA' | 'FC' | 'FR' | 'Sat' | 'Temp';

export interface InvalidVital {
  field: VitalField;
  value: string;
  reason: string;
}

export const VITAL_RANGES = {
  PA: { systolic: [60, 220], diastolic: [40, 130] },
  FC: [40, 190],
  FR: [8, 50],
  Sat: [70, 100],
  Temp: [34, 41],
} as const;

const UNITS: Record<Exclude<VitalField, 'PA'>, string> = { FC: 'bpm', FR: 'irpm', Sat: '%', Temp: '°C' };

export type VitalCheck<T> = { ok: true; value: T } | { ok: false; invalid: InvalidVital };

const toNumber = (raw: string): number => Number(raw.trim().replace(',', '.'));

/**
 * "120/80", "12x8", "12 por 8", "11.5/7.5", "9,5 por 6,5" → "SxD" (values under 30 are read in cmHg
 * and multiplied by 10), then checked: systolic 60–220, diastolic 40–130, systolic > diastolic.
 */
function checkBloodPressure(raw: string): VitalCheck<string> {
  const m = raw
    .trim()
    .toLowerCase()
    .match(/^(\d{1,3}(?:[.,]\d{1,2})?)\s*(?:x|\/|por|×|\s)\s*(\d{1,3}(?:[.,]\d{1,2})?)(?:\s*mmhg)?$/);
  if (!m) return { ok: false, invalid: { field: 'PA', value: raw.trim(), reason: 'formato inválido (use por exemplo 120x80)' } };
  let s = toNumber(m[1]);
  let d = toNumber(m[2]);
  if (s < 30 && d < 30) {
    s *= 10;
    d *= 10;
  }
  s = Math.round(s);
  d = Math.round(d);
  const value = `${s}x${d}`;
  const [sMin, sMax] = VITAL_RANGES.PA.systolic;
  const [dMin, dMax] = VITAL_RANGES.PA.diastolic;
  if (s < sMin || s > sMax) return { ok: false, invalid: { field: 'PA', value, reason: `sistólica fora da faixa (${sMin}–${sMax})` } };
  if (d < dMin || d > dMax) return { ok: false, invalid: { field: 'PA', value, reason: `diastólica fora da faixa (${dMin}–${dMax})` } };
  if (s <= d) return { ok: false, invalid: { field: 'PA', value, reason: 'a sistólica deve ser maior que a diastólica' } };
  return { ok: true, value };
}

/** FC/FR/Sat (truncated to integers) and Temp (one decimal), each checked against its range. */
function checkNumericVital(field: Exclude<VitalField, 'PA'>, raw: string | number): VitalCheck<number> {
  const text = String(raw).trim();
  const n = typeof raw === 'number' ? raw : toNumber(text.replace(/\s*(?:bpm|irpm|rpm|%|°c|ºc|°|º|graus)$/i, ''));
  if (!Number.isFinite(n)) return { ok: false, invalid: { field, value: text, reason: 'valor não numérico' } };
  const value = field === 'Temp' ? Math.round(n * 10) / 10 : Math.trunc(n);
  const [min, max] = VITAL_RANGES[field];
  if (value < min || value > max) {
    return { ok: false, invalid: { field, value: String(value), reason: `fora da faixa (${min}–${max} ${UNITS[field]})` } };
  }
  return { ok: true, value };
}

/** Checks one raw value for a field; the single entry point for both rules and LLM output. */
export function checkVital(field: VitalField, raw: string | number): VitalCheck<string | number> {
  return field === 'PA' ? checkBloodPressure(String(raw)) : checkNumericVital(field, raw);
}

export interface VitalCandidate {
  field: VitalField;
  raw: string | number;
}

/** Validates candidates in order; a later value of the same field replaces an earlier one. */
export function validateVitals(candidates: readonly VitalCandidate[]): { vitals: Vitals; invalidVitals: InvalidVital[] } {
  const vitals: Vitals = {};
  const invalid = new Map<VitalField, InvalidVital>();
  for (const c of candidates) {
    const check = checkVital(c.field, c.raw);
    if (check.ok) {
      (vitals as Record<string, unknown>)[c.field] = check.value;
      invalid.delete(c.field);
    } else {
      delete (vitals as Record<string, unknown>)[c.field];
      invalid.set(c.field, check.invalid);
    }
  }
  return { vitals, invalidVitals: [...invalid.values()] };
}

import { VITAL_RANGES, type VitalCandidate, type VitalField } from './vital-ranges.js';
import { spokenToDigits } from './spoken-numbers.js';
import { matchesOf, overlaps, type Span } from './text.js';

/**
 * Finds vital-sign mentions in PT-BR text (labels, synonyms and units), without judging ranges:
 * validation is `validateVitals`, shared with the LLM path. Runs on the accent-folded text.
 */

/** How a value was recognised: a label ("FC 78"), a unit ("78 bpm"), or inferred (no label nor unit). */
/** `context`: a bare number answering the only missing field. */
export type VitalHow = 'label' | 'unit' | 'inferred' | 'context';

export interface FoundVital extends VitalCandidate {
  span: Span;
  how: VitalHow;
}

const NUM = String.raw`(\d{1,3}(?:[.,]\d{1,2})?)`;
// Between a label and its value: "PA: 120x80", "FC=78", "pressão de 12 por 8", "sat está 95".
const SEP = String.raw`\s*(?:[:=]|-|\b(?:de|em|esta|estava|ficou|foi)\b)?\s*(?:[:=]\s*)?`;
const PA_SEP = String.raw`\s*(?:x|\/|por|×)\s*`;

const LABELS: Record<VitalField, string> = {
  PA: String.raw`\b(?:pa|p\.a\.?|pressao arterial|pressao|press\.)`,
  // A bare "frequência" is the heart rate, as people say it ("frequência setenta e oito").
  FC: String.raw`\b(?:fc|f\.c\.?|frequencia cardiaca|frequencia(?!\s+resp)|freq\.? ?card(?:iaca)?\.?|batimentos(?: cardiacos)?|pulso|hr)`,
  FR: String.raw`\b(?:fr|f\.r\.?|frequencia respiratoria|freq\.? ?resp(?:iratoria)?\.?|respiracao|resp\.?|rr)`,
  Sat: String.raw`\b(?:sat(?:uracao|urando|\.)?(?:\s*(?:de\s*)?o2)?|sp\s?o2|oximetria)`,
  Temp: String.raw`\b(?:temp(?:eratura)?\.?|tax|t)`,
};

const UNIT_AFTER: Record<Exclude<VitalField, 'PA'>, string> = {
  FC: String.raw`\s*(?:bpm|batimentos(?: por minuto)?)\b`,
  FR: String.raw`\s*(?:irpm|rpm|ipm|mrm|resp(?:iracoes)?\/min|incursoes(?: por minuto)?)\b`,
  Sat: String.raw`\s*%`,
  Temp: String.raw`\s*(?:[°º]\s*c?\b|[°º]|graus\b|c\b)`,
};

interface Pattern {
  field: VitalField;
  how: VitalHow;
  re: RegExp;
}

const end = String.raw`(?![\d.,]\d)`;

const PATTERNS: Pattern[] = [
  // Labelled. PA also accepts a bare space between the two numbers ("pressão 12 8").
  { field: 'PA', how: 'label', re: new RegExp(`${LABELS.PA}(?![a-z])${SEP}${NUM}(?:${PA_SEP}|\\s+)${NUM}${end}(?:\\s*mmhg)?`, 'g') },
  { field: 'FC', how: 'label', re: new RegExp(`${LABELS.FC}(?![a-z])${SEP}${NUM}${end}(?:${UNIT_AFTER.FC})?`, 'g') },
  { field: 'FR', how: 'label', re: new RegExp(`${LABELS.FR}(?![a-z])${SEP}${NUM}${end}(?:${UNIT_AFTER.FR})?`, 'g') },
  { field: 'Sat', how: 'label', re: new RegExp(`${LABELS.Sat}(?![a-z])${SEP}${NUM}${end}(?:${UNIT_AFTER.Sat})?`, 'g') },
  { field: 'Temp', how: 'label', re: new RegExp(`${LABELS.Temp}(?![a-z])${SEP}${NUM}${end}(?:${UNIT_AFTER.Temp})?`, 'g') },
  // A unit after the number.
  { field: 'FC', how: 'unit', re: new RegExp(`\\b(\\d{2,3})${UNIT_AFTER.FC}`, 'g') },
  { field: 'FR', how: 'unit', re: new RegExp(`\\b(\\d{1,2})${UNIT_AFTER.FR}`, 'g') },
  { field: 'Sat', how: 'unit', re: new RegExp(`\\b(\\d{2,3}(?:[.,]\\d)?)${UNIT_AFTER.Sat}`, 'g') },
  { field: 'Temp', how: 'unit', re: new RegExp(`\\b(\\d{2}(?:[.,]\\d{1,2})?)${UNIT_AFTER.Temp}`, 'g') },
  { field: 'PA', how: 'unit', re: new RegExp(`\\b${NUM}${PA_SEP}${NUM}\\s*mmhg\\b`, 'g') },
  // Inferred from the shape: "12x8" / "130x90" is PA, "36,5" is a temperature.
  { field: 'PA', how: 'inferred', re: new RegExp(`\\b(\\d{2,3}|\\d{1,2}[.,]\\d)\\s*(?:x|×)\\s*(\\d{1,3}(?:[.,]\\d)?)${end}`, 'g') },
  { field: 'PA', how: 'inferred', re: new RegExp(`\\b(\\d{2,3})\\s*\\/\\s*(\\d{2,3})${end}`, 'g') },
  { field: 'Temp', how: 'inferred', re: new RegExp(`\\b((?:3[0-9]|4[0-5])[.,]\\d)${end}(?!\\s*(?:x|\\/|por|%))`, 'g') },
];

const RANK: Record<VitalHow, number> = { label: 3, unit: 2, context: 1, inferred: 1 };

export interface ExtractVitalsOptions {
  /** When a bare number arrives while these fields are missing, the number fills the one it fits. */
  missingVitals?: readonly string[];
  expectingVitals?: boolean;
}

/**
 * Finds vital candidates in `folded` (accent-folded text, same offsets as the original). Spoken
 * numbers ("pressão doze por oito", "frequência setenta e oito") are read as their digits; a
 * candidate's span covers the words it was said in.
 */
export function findVitals(folded: string, options: ExtractVitalsOptions = {}): FoundVital[] {
  const spoken = spokenToDigits(folded);
  const widen = (span: Span): Span =>
    spoken.regions.reduce((s, r) => (overlaps(s, r) ? { start: Math.min(s.start, r.start), end: Math.max(s.end, r.end) } : s), span);
  return readVitals(spoken.text, options).map((f) => ({ ...f, span: widen(f.span) }));
}

function readVitals(folded: string, options: ExtractVitalsOptions): FoundVital[] {
  // Every pattern (and a bare number) needs a digit.
  if (!/\d/.test(folded)) return [];
  if (options.expectingVitals) {
    const bare = bareNumberForMissing(folded, options.missingVitals ?? []);
    if (bare) return [bare];
  }
  const found: FoundVital[] = [];
  for (const p of PATTERNS) {
    for (const m of matchesOf(p.re, folded)) {
      const span = { start: m.index, end: m.index + m[0].length };
      const raw = p.field === 'PA' ? `${m[1]}x${m[2]}` : m[1];
      // An unlabelled "dd/dd" may be a date ("12/08"); only read it as PA when it looks like mmHg.
      if (p.how === 'inferred' && p.field === 'PA' && m[0].includes('/') && Number(m[1]) < 60) continue;
      // "comeu 50% da dieta" is not a saturation; an unlabelled percentage must look like one.
      if (p.how === 'unit' && p.field === 'Sat' && Number(m[1].replace(',', '.')) < 60) continue;
      found.push({ field: p.field, raw, span, how: p.how });
    }
  }
  // Keep the best reading of each stretch of text: labelled > unit > inferred, then the longest.
  found.sort((a, b) => RANK[b.how] - RANK[a.how] || b.span.end - b.span.start - (a.span.end - a.span.start));
  const kept: FoundVital[] = [];
  for (const f of found) if (!kept.some((k) => overlaps(k.span, f.span))) kept.push(f);
  return kept.sort((a, b) => a.span.start - b.span.start);
}

/** A message that is just a number, answering "which vitals are missing?": fill the one field it fits. */
function bareNumberForMissing(folded: string, missing: readonly string[]): FoundVital | null {
  const m = folded.match(/^\s*(\d{1,3}(?:[.,]\d{1,2})?)\s*$/);
  if (!m) return null;
  const fields = missing.filter((f): f is Exclude<VitalField, 'PA'> => f === 'FC' || f === 'FR' || f === 'Sat' || f === 'Temp');
  const value = Number(m[1].replace(',', '.'));
  const fits = fields.length === 1 ? fields : fields.filter((f) => value >= VITAL_RANGES[f][0] && value <= VITAL_RANGES[f][1]);
  if (fits.length !== 1) return null;
  return {
    field: fits[0],
    raw: m[1],
    span: { start: m.index! + m[0].indexOf(m[1]), end: m.index! + m[0].indexOf(m[1]) + m[1].length },
    how: fields.length === 1 ? 'context' : 'inferred',
  };
}

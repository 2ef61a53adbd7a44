import type { RESPIRATORY_CONDITIONS } from '../../contracts/understanding.js';
import { matchesOf, type Span } from './text.js';

export type RespiratoryCondition = (typeof RESPIRATORY_CONDITIONS)[number];

export interface FoundCondition {
  condition: RespiratoryCondition;
  span: Span;
}

/** An oxygen flow after an oxygen cue: "2L/min", "2 l", "3 litros por minuto", "1,5 lpm". */
const FLOW = String.raw`\d+(?:[.,]\d)?\s*(?:l|litros?)(?:\s*(?:\/|por)\s*min(?:uto)?|pm)?`;
/** A flow that names oxygen by itself ("2 L/min"); "2 litros" alone may be water. */
const RATE = String.raw`\d+(?:[.,]\d)?\s*(?:(?:l|litros?)\s*(?:\/|por)\s*min(?:uto)?|lpm)`;

/** Cues per canonical label (folded text). Only what is stated: nothing is assumed. */
const CUES: { condition: RespiratoryCondition; re: RegExp }[] = [
  { condition: 'Ar ambiente', re: /\b(?:em\s+)?ar\s+(?:ambiente|amb\.?)(?![a-z])|\baa\b/g },
  {
    condition: 'Oxigênio suplementar',
    // Optional lead-in ("por", "em uso de") and flow ("a 2 L/min", "3 litros") belong to the cue, not
    // to the note. A bare "O2"/"oxigênio" needs a lead-in ("em uso de O2", "no oxigênio").
    re: new RegExp(
      String.raw`\b(?:(?:em uso de|por|via|com|usando|em|no|na)\s+)?(?:oxigenio\s+suplementar|o2\s+suplementar|oxigenoterapia|cateter\s+(?:nasal|de\s+o2|de\s+oxigenio)|oculos\s+nasal|mascara(?:\s+de\s+(?:o2|oxigenio|venturi))?|venturi|(?:em uso de|em|com|no|usando)\s+(?:o2|oxigenio)|(?:o2|oxigenio)\s+(?:a\s+)?${FLOW}|${RATE}(?:\s+de\s+(?:o2|oxigenio))?)(?:\s+(?:a|com|de)?\s*${FLOW})?(?![a-z])`,
      'g',
    ),
  },
  {
    condition: 'Ventilação mecânica',
    re: /\b(?:(?:em|no|na|com)\s+)?(?:ventilacao\s+mecanica|vm|ventilador(?:\s+mecanico)?|respirador|intubad[oa])(?![a-z])/g,
  },
];

// "sem oxigênio", "tirou o O2", "não está em VM": a cue under a negation is not a statement of use.
const NEGATED_BEFORE =
  /(?:\bsem|\bnao\s+(?:esta|usa|precisa|precisou|fica)(?:\s+(?:em|de|no|na|com))?|\btirou\s+(?:o|a)?|\bretirad[oa]\s+(?:o|a)?|\bsaiu\s+d[oa])\s*$/;

/** Every stated respiratory condition, in text order (the last one is the current one). */
export function findRespiratoryConditions(folded: string): FoundCondition[] {
  const found: FoundCondition[] = [];
  for (const cue of CUES) {
    for (const m of matchesOf(cue.re, folded)) {
      const before = folded.slice(Math.max(0, m.index - 30), m.index);
      if (NEGATED_BEFORE.test(before)) continue;
      found.push({ condition: cue.condition, span: { start: m.index, end: m.index + m[0].length } });
    }
  }
  return found.sort((a, b) => a.span.start - b.span.start);
}

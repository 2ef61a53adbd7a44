import type { Understanding } from '../../contracts/understanding.js';
import type { NluContext } from '../context.js';
import { NO_INFORMATION } from '../rules/finalization-topics.js';
import type { RulesAnalysis } from '../rules/rules-understanding.js';
import { spokenToDigits } from '../rules/spoken-numbers.js';
import { foldKeepLength } from '../rules/text.js';
import { validateVitals, type InvalidVital, type VitalCandidate, type VitalField } from '../rules/vital-ranges.js';
import type { LlmOutput } from './llm-output.js';

const VITAL_FIELDS: VitalField[] = ['PA', 'FC', 'FR', 'Sat', 'Temp'];
/** The LLM may only name a respiratory condition when the text holds a hint of one ("never assumed"). */
const CONDITION_HINT = /\b(?:ar|ambiente|aa|o2|oxigen\w*|cateter|mascara|oculos|ventil\w*|vm|intubad\w*|respirador|l\/min|lpm|venturi|traqueo\w*|bipap|cpap)\b/;
const NO_INFO = /^(?:sem informac\w*|nada a relatar|nada consta)\.?$/;

/** True when the number the LLM returned is written in the message (guards against invented values). */
function mentioned(field: VitalField, raw: string | number, numbers: Set<string>): boolean {
  const first = String(raw).match(/\d+/)?.[0];
  if (!first) return false;
  const n = Number(first);
  if (field === 'PA') return numbers.has(String(n)) || numbers.has(String(Math.round(n / 10)));
  return numbers.has(String(Math.trunc(Number(String(raw).replace(',', '.')))));
}

const clean = (v: string | null | undefined) => {
  const t = v?.trim();
  return t ? t : null;
};

const foldWords = (v: string) =>
  foldKeepLength(v)
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

/**
 * The notes, so that the LLM never drops the caregiver's words: its operational note unless the
 * rules' one holds it and more while no clinical note takes the rest; its clinical note, or the
 * rules' one when it gave none and did not put those words in the operational note.
 */
function keepWholeNotes(llm: { clinical: string | null; operational: string | null }, rules: Understanding) {
  let operational = llm.operational ?? rules.operationalNote;
  if (llm.operational && rules.operationalNote && !llm.clinical && foldWords(rules.operationalNote).includes(foldWords(llm.operational))) {
    operational = rules.operationalNote;
  }
  let clinical = llm.clinical;
  if (!clinical && rules.clinicalNote && !foldWords(operational ?? '').includes(foldWords(rules.clinicalNote))) clinical = rules.clinicalNote;
  return { clinicalNote: clinical, operationalNote: operational };
}

/**
 * Combines the LLM's extraction with the rules' reading of the same message. Vitals the rules read
 * from a label or unit win; the LLM's values go through the same range validation and must appear
 * in the text; a respiratory condition needs a hint in the text.
 */
export function mergeWithRules(text: string, context: NluContext, rules: RulesAnalysis, llm: LlmOutput): Understanding {
  const r = rules.understanding;
  const folded = foldKeepLength(text);
  // Numbers said in words ("setenta e oito") count as written too.
  const numbers = new Set((spokenToDigits(folded).text.match(/\d+/g) ?? []).map((d) => String(Number(d))));

  const anchored = new Set(rules.anchoredVitals);
  const candidates: VitalCandidate[] = [];
  for (const field of VITAL_FIELDS) {
    const raw = llm.vitals[field];
    if (raw === null || raw === '' || anchored.has(field)) continue;
    if (mentioned(field, raw, numbers)) candidates.push({ field, raw });
  }
  const fromLlm = validateVitals(candidates);
  const vitals = { ...fromLlm.vitals };
  const invalid = new Map<VitalField, InvalidVital>(fromLlm.invalidVitals.map((i) => [i.field, i]));
  for (const field of anchored) {
    const value = r.vitals[field];
    if (value !== undefined) (vitals as Record<string, unknown>)[field] = value;
    else delete (vitals as Record<string, unknown>)[field];
    invalid.delete(field);
  }
  for (const i of r.invalidVitals) if (anchored.has(i.field)) invalid.set(i.field, i);

  const respiratoryCondition = r.respiratoryCondition ?? (llm.respiratoryCondition && CONDITION_HINT.test(folded) ? llm.respiratoryCondition : null);

  const topicsWanted = context.expecting === 'finalization_topics' || llm.intent === 'finalizar';
  const topics: Record<string, string> = topicsWanted ? { ...r.finalizationTopics } : {};
  if (topicsWanted) {
    for (const [topic, value] of Object.entries(llm.finalizationTopics)) {
      const v = clean(value);
      if (v) topics[topic] = NO_INFO.test(foldKeepLength(v)) ? NO_INFORMATION : v;
    }
  }

  const choice = context.expecting === 'substitute_choice' ? (clean(llm.choice) ?? r.choice) : null;
  const llmIntent = llm.intent === 'none' ? null : llm.intent;
  const intent = context.expecting === 'substitute_choice' && choice ? 'substituto' : (llmIntent ?? r.intent);

  const notes = keepWholeNotes(
    { clinical: context.expecting === 'finalization_topics' ? null : clean(llm.clinicalNote), operational: clean(llm.operationalNote) },
    r,
  );
  return {
    yesNo: llm.yesNo === 'yes' || llm.yesNo === 'no' ? llm.yesNo : null,
    intent,
    vitals,
    invalidVitals: [...invalid.values()],
    respiratoryCondition,
    ...notes,
    finalizationTopics: topics,
    choice,
    source: 'openai',
  };
}

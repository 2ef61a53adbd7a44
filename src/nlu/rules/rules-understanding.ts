import { emptyUnderstanding, type Understanding, type UnderstandingService } from '../../contracts/understanding.js';
import type { NluContext } from '../context.js';
import { CLINICAL_VOCABULARY, isFillerOnly, residualText, stripNoteLabel } from './clinical-note.js';
import { findFinalizationTopics } from './finalization-topics.js';
import { decideIntent, findIntentCues } from './intent.js';
import { findOperational } from './operational.js';
import { findRespiratoryConditions } from './respiratory.js';
import { readSubstituteChoice, type ChoiceReading } from './substitute-choice.js';
import { blankOut, foldKeepLength, overlaps, tokens, type Span } from './text.js';
import { validateVitals, type VitalField } from './vital-ranges.js';
import { findVitals } from './vitals.js';
import { classifyYesNo, type YesNoResult } from './yes-no.js';

/** Longer texts are cut: no one reports a shift in more, and it bounds regex and LLM cost. */
export const MAX_TEXT_LENGTH = 2000;

export interface RulesAnalysis {
  understanding: Understanding;
  /** True when the rules explain the whole message without guessing: no LLM call is needed. */
  certain: boolean;
  /** Why it is not certain (for debug logs and tests). */
  doubts: string[];
  /** Vital fields read from a label, a unit or the only missing field: an LLM never overrides these. */
  anchoredVitals: VitalField[];
}

/** Reads one message deterministically and says whether the reading is certain. Pure. */
export function analyseWithRules(input: string, context: NluContext): RulesAnalysis {
  const text = (input ?? '').normalize('NFC').slice(0, MAX_TEXT_LENGTH);
  if (!text.trim()) return { understanding: emptyUnderstanding(), certain: true, doubts: [], anchoredVitals: [] };
  const folded = foldKeepLength(text);
  const expecting = context.expecting;
  const doubts: string[] = [];

  // Substitute choice first: when a list was offered, "2" is a choice, not a vital nor a yes.
  let choice: ChoiceReading = expecting === 'substitute_choice' ? readSubstituteChoice(text) : { kind: 'none' };
  // A "name" that is really a command, a yes/no or a description ("cheguei", "ok", "paciente bem") is not a pick.
  if (choice.kind === 'name') {
    const name = foldKeepLength(choice.choice);
    if (findIntentCues(name).length > 0 || CLINICAL_VOCABULARY.test(name) || classifyYesNo(choice.choice, { scanWholeText: true }).how !== 'none') {
      choice = { kind: 'none' };
    }
  }
  const choiceConsumes = choice.kind !== 'none';

  const found = choiceConsumes ? [] : findVitals(folded, { expectingVitals: expecting === 'vitals', missingVitals: context.missingVitals });
  const { vitals, invalidVitals } = validateVitals(found);
  const vitalSpans = found.map((f) => f.span);
  if (found.some((f) => f.how === 'inferred')) doubts.push('vitals inferred without label or unit');

  const conditions = choiceConsumes ? [] : findRespiratoryConditions(blankOut(folded, vitalSpans));
  const respiratoryCondition = conditions.at(-1)?.condition ?? null;
  if (new Set(conditions.map((c) => c.condition)).size > 1) doubts.push('more than one respiratory condition');
  const conditionSpans = conditions.map((c) => c.span);

  const operational = choiceConsumes
    ? null
    : findOperational(text, folded, [...vitalSpans, ...conditionSpans], { includeVisits: expecting !== 'finalization_topics' });
  const operationalSpans = operational?.spans ?? [];

  const taken = [...vitalSpans, ...conditionSpans, ...operationalSpans];
  const cues = choiceConsumes ? [] : findIntentCues(blankOut(folded, taken));
  const cueSpans = cues.map((c) => c.span);

  const topics = expecting === 'finalization_topics' ? findFinalizationTopics(blankOut(text, taken), blankOut(folded, taken), context.missingTopics) : null;

  const clinicalContent = found.length > 0 || conditions.length > 0 || operational !== null || CLINICAL_VOCABULARY.test(folded);
  const shortPlain = tokens(folded).length <= 6 && !clinicalContent;
  let yesNo: YesNoResult =
    choice.kind === 'number' || choice.kind === 'name'
      ? { value: null, how: 'none' as const, spans: [] as Span[] }
      : choice.kind === 'refusal'
        ? { value: 'no' as const, how: 'exact' as const, spans: [{ start: 0, end: text.length }] }
        : classifyYesNo(text, { scanWholeText: shortPlain });
  // "não consegui medir a pressão" is an operational note, not an answer: words inside it do not count.
  if ((yesNo.how === 'regex' || yesNo.how === 'conflict') && yesNo.spans.every((w) => taken.some((t) => overlaps(w, t)))) {
    yesNo = { value: null, how: 'none', spans: [] };
  }
  if (yesNo.how === 'conflict') doubts.push('both yes and no words');
  // A short plain answer to a yes/no question ("confirmo a ação", "para tudo") is fully explained
  // by its yes/no word, unless it carries a caveat ("sim, mas …").
  const plainAnswer = expecting === 'yes_no' && yesNo.how === 'regex' && shortPlain && !/\b(?:mas|porem|so que|exceto|menos|antes|depois)\b/.test(folded);

  const consumed: Span[] = [...taken, ...cueSpans, ...yesNo.spans, ...(topics?.spans ?? [])];
  if (choiceConsumes || plainAnswer) consumed.push({ start: 0, end: text.length });
  const residual = residualText(text, consumed);
  const meaningful = residual.length > 0 && !isFillerOnly(residual);

  let clinicalNote: string | null = null;
  let unexplained: string | null = null;
  if (meaningful && expecting !== 'finalization_topics' && yesNo.how !== 'hedge') {
    const isQuestion = /\?\s*$/.test(text) && expecting !== 'clinical_note';
    const describesPatient =
      expecting === 'clinical_note' ||
      expecting === 'vitals' ||
      found.length > 0 ||
      conditions.length > 0 ||
      CLINICAL_VOCABULARY.test(foldKeepLength(residual));
    if (describesPatient && !isQuestion) {
      clinicalNote = stripNoteLabel(residual);
      // Free text is exactly what an LLM reads better (hidden vitals, operational remarks).
      doubts.push('free-text clinical note');
    } else {
      unexplained = 'text the rules do not explain';
    }
  } else if (meaningful && expecting === 'finalization_topics') {
    unexplained = 'text outside any finalization topic';
  }
  // Nothing the caregiver wrote is dropped: words beside an operational note that no clinical note
  // takes stay in the note, as written ("a médica passou e trocou a medicação").
  let operationalNote = operational?.note ?? null;
  if (operational && meaningful && clinicalNote === null) {
    operationalNote = residualText(text, [...vitalSpans, ...conditionSpans, ...(topics?.spans ?? [])]);
    unexplained = null;
  }
  if (unexplained) doubts.push(unexplained);
  if (topics && Object.keys(topics.topics).length > 0 && !topics.allLabelled) doubts.push('finalization topics read from keywords');

  const picked = choice.kind === 'number' || choice.kind === 'name' ? choice.choice : null;
  const intent = decideIntent({
    cues,
    hasVitals: found.length > 0,
    hasCondition: respiratoryCondition !== null,
    hasNote: clinicalNote !== null,
    hasOperational: operational !== null,
    hasTopics: !!topics && Object.keys(topics.topics).length > 0,
    // A refusal is still an answer to the substitute list.
    hasChoice: choiceConsumes,
    expecting,
  });

  const understanding: Understanding = {
    yesNo: yesNo.value,
    intent,
    vitals,
    invalidVitals,
    respiratoryCondition,
    clinicalNote,
    operationalNote,
    finalizationTopics: topics?.topics ?? {},
    choice: picked,
    source: 'rules',
  };
  const anchoredVitals = [...new Set(found.filter((f) => f.how !== 'inferred').map((f) => f.field))];
  return { understanding, certain: doubts.length === 0, doubts, anchoredVitals };
}

/** The deterministic implementation: never calls anything, never throws. */
export function createRulesUnderstanding(): UnderstandingService & { analyse(text: string, context: NluContext): RulesAnalysis } {
  return {
    analyse: analyseWithRules,
    understand: (text, context) => Promise.resolve(analyseWithRules(text, context).understanding),
  };
}

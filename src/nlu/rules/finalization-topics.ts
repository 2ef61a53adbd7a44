import type { FinalizationTopic } from '../../contracts/understanding.js';
import { FINALIZATION_TOPICS } from '../../contracts/understanding.js';
import { clauseSpans, trimSpan, type Span } from './text.js';

/** The canonical value for "no information" answers; it counts as a filled topic. */
export const NO_INFORMATION = 'Sem informações';

const NO_INFO =
  /^(?:sem informac\w*|sem info|nada a (?:relatar|declarar|informar)|nada consta|nada|nenhuma?|n\/a|sem (?:nada|novidades?) a relatar|nao ha(?: informac\w*)?|nao teve|nao houve)$/;
const NO_INFO_ANYWHERE = /\b(?:sem informac\w*|sem info|nada a (?:relatar|declarar|informar)|nada consta)\b/;
/** "o resto sem informações": applies to the topics still missing (needs `missingTopics`). */
const REST_NO_INFO =
  /\b(?:o\s+)?(?:resto|restante|demais|outros|outras|os outros|as outras)\b.*\b(?:sem informac\w*|sem info|nada a relatar|nada consta|nada)\b/;

/** Names a caregiver may use as a label ("Sono: dormiu bem", "humor - calmo"). */
const LABELS: Record<FinalizationTopic, string> = {
  alimentacao_hidratacao: String.raw`alimentacao(?:\s*(?:e|\/)\s*hidratacao)?|hidratacao|dieta|alimentos?`,
  evacuacoes: String.raw`evacuac(?:ao|oes)|eliminac(?:ao|oes)(?: fisiologicas)?|fezes e urina|diurese`,
  sono: String.raw`sono|repouso`,
  humor: String.raw`humor|comportamento|estado emocional`,
  medicacoes: String.raw`medicac(?:ao|oes)|medicamentos?|remedios?`,
  atividades: String.raw`atividades?`,
  informacoes_clinicas_adicionais: String.raw`(?:informac(?:ao|oes)\s+)?clinicas?(?:\s+adicionais)?|intercorrencias?`,
  informacoes_administrativas: String.raw`(?:informac(?:ao|oes)\s+)?administrativas?|admin`,
};

/** Words that point to a topic inside free text (word starts, folded). */
const KEYWORDS: Record<FinalizationTopic, RegExp> = {
  alimentacao_hidratacao:
    /\b(?:comeu|come|comer|comendo|almoc\w*|jant\w*|cafe da manha|lanch\w*|refeic\w*|dieta|aliment\w*|hidrat\w*|agua|liquidos?|suco|bebeu|beber|ingeriu|ingestao|apetite|sopa|fruta|enteral)\b/g,
  evacuacoes: /\b(?:evacu\w*|fezes|intestin\w*|urin\w*|diurese|fraldas?|xixi|coco|banheiro|constipa\w*|diarreia)\b/g,
  sono: /\b(?:sono|dorm\w*|cochil\w*|insonia|acord\w*|descans\w*|repous\w*)\b/g,
  humor:
    /\b(?:humor|calm[oa]|agitad[oa]|irritad[oa]|triste|alegre|ansios[oa]|tranquil[oa]|animad[oa]|chorou|choros[oa]|nervos[oa]|sorridente|comunicativ[oa]|apatic[oa]|bem humorad[oa])\b/g,
  medicacoes: /\b(?:medica\w*|remedios?|dipirona|paracetamol|insulina|antibiotic\w*|comprimidos?|doses?|losartana|captopril|omeprazol|gotas|\d+\s*mg)\b/g,
  atividades:
    /\b(?:atividades?|fisioterap\w*|fisio|caminh\w*|passe\w*|exercic\w*|televisao|tv|leitura|leu|brinc\w*|banho de sol|terapia ocupacional|jog\w*|pintura|musica)\b/g,
  informacoes_clinicas_adicionais:
    /\b(?:intercorrenc\w*|tudo normal|sem alterac\w*|febre|febril|dor|dores|queixa\w*|tosse|vomit\w*|nausea\w*|sinais vitais|estavel|glicemia|curativo|ferida|lesao|queda|caiu|clinic\w*)\b/g,
  informacoes_administrativas:
    /\b(?:visit\w*|familiar\w*|familia|filh[oa]s?|administrativ\w*|troca de plantao|materia(?:l|is)|entrega|reuniao|coordenac\w*|supervis\w*|documentos?|receitas?|agendad\w*|consultas?|exames?)\b/g,
};

const LABEL_RE = new RegExp(`^\\s*(?:${FINALIZATION_TOPICS.map((t) => `(?<${t}>${LABELS[t]})`).join('|')})\\s*(?:[:=\\-–]\\s*|(?=\\s+(?:sem|nada)\\b))`);

export interface FoundTopics {
  topics: Partial<Record<FinalizationTopic, string>>;
  spans: Span[];
  /** Every clause had an explicit label (or continued a labelled one). */
  allLabelled: boolean;
  /** Clauses that named no topic. */
  unmatched: number;
}

function keywordTopic(folded: string): FinalizationTopic | null {
  let best: { topic: FinalizationTopic; at: number } | null = null;
  for (const topic of FINALIZATION_TOPICS) {
    const m = new RegExp(KEYWORDS[topic].source).exec(folded);
    if (m && (!best || m.index < best.at)) best = { topic, at: m.index };
  }
  return best?.topic ?? null;
}

function valueOf(original: string, folded: string): string {
  const v = original.trim();
  return NO_INFO.test(folded.trim()) ? NO_INFORMATION : v;
}

/**
 * Reads the 8 end-of-shift topics from a message: labelled clauses ("Sono: dormiu bem"),
 * "sem informações" per topic, keywords in free text ("comeu bem no almoço, dormiu a tarde toda"),
 * and "o resto sem informações" when the missing topics are known.
 */
export function findFinalizationTopics(text: string, folded: string, missingTopics: readonly FinalizationTopic[] = []): FoundTopics {
  const topics: Partial<Record<FinalizationTopic, string>> = {};
  const spans: Span[] = [];
  let allLabelled = true;
  let unmatched = 0;
  let previous: { topic: FinalizationTopic; labelled: boolean } | null = null;
  const add = (topic: FinalizationTopic, value: string) => {
    if (!value) return;
    const current = topics[topic];
    topics[topic] = !current || current === NO_INFORMATION ? value : value === NO_INFORMATION ? current : `${current}, ${value}`;
  };
  let restNoInfo = false;

  for (const clause of clauseSpans(folded, /[;.!?\n]+|,(?!\d)/g)) {
    const c = trimSpan(text, clause);
    const f = folded.slice(c.start, c.end);
    const o = text.slice(c.start, c.end);
    if (REST_NO_INFO.test(f)) {
      restNoInfo = true;
      spans.push(c);
      continue;
    }
    const label = LABEL_RE.exec(f);
    if (label) {
      const topic = FINALIZATION_TOPICS.find((t) => label.groups?.[t] !== undefined)!;
      add(topic, valueOf(o.slice(label[0].length), f.slice(label[0].length)));
      spans.push(c);
      previous = { topic, labelled: true };
      continue;
    }
    // "sem informações de sono" / "humor nada a relatar"
    const keyword = keywordTopic(f);
    if (keyword && NO_INFO_ANYWHERE.test(f)) {
      add(keyword, NO_INFORMATION);
      spans.push(c);
      previous = { topic: keyword, labelled: true };
      continue;
    }
    // Free text: split "dormiu bem e comeu pouco" when the parts name different topics.
    const parts = clauseSpans(f, /\s+e\s+/g);
    const partTopics = parts.map((p) => keywordTopic(f.slice(p.start, p.end)));
    if (parts.length > 1 && partTopics.every(Boolean) && new Set(partTopics).size > 1) {
      parts.forEach((p, i) => add(partTopics[i]!, o.slice(p.start, p.end).trim()));
      spans.push(c);
      allLabelled = false;
      previous = { topic: partTopics[partTopics.length - 1]!, labelled: false };
      continue;
    }
    if (keyword) {
      add(keyword, o);
      spans.push(c);
      // Continuing a labelled topic with its own vocabulary ("Medicações: dipirona, losartana") stays exact.
      const continues: boolean = previous?.labelled === true && previous.topic === keyword;
      if (!continues) allLabelled = false;
      previous = { topic: keyword, labelled: continues };
      continue;
    }
    if (previous) {
      // A clause naming no topic continues the previous one ("Medicações: dipirona 14h, losartana 8h").
      add(previous.topic, valueOf(o, f));
      spans.push(c);
      if (!previous.labelled) allLabelled = false;
      continue;
    }
    unmatched++;
    allLabelled = false;
  }

  if (restNoInfo) for (const t of missingTopics) if (!topics[t]) topics[t] = NO_INFORMATION;
  // A bare "sem informações" answers every missing topic only when we know which ones are missing.
  if (Object.keys(topics).length === 0 && NO_INFO.test(folded.trim().replace(/[.!]+$/, '')) && missingTopics.length > 0) {
    for (const t of missingTopics) topics[t] = NO_INFORMATION;
    spans.push(trimSpan(text, { start: 0, end: text.length }));
    unmatched = 0;
    allLabelled = true;
  }
  if (Object.keys(topics).length === 0) allLabelled = false;
  return { topics, spans, allLabelled, unmatched };
}

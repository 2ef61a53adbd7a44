import { foldKeepLength, matchesOf, normaliseAnswer, tokens, type Span } from './text.js';

/**
 * Deterministic yes/no: exact answers, then yes/no words on word boundaries. Hedges ("não sei",
 * "pode ser que sim") are checked first and yield "neither" (`null`): a hedge re-asks, never
 * commits and never aborts. When a yes-word and a no-word both appear, the no-word wins ("sim,
 * mas não agora" is a no) and the result is marked as a conflict (not certain). Why these rules:
 * docs/decisions.md, Understanding.
 */

export type YesNo = 'yes' | 'no';
export type YesNoHow = 'exact' | 'regex' | 'conflict' | 'hedge' | 'none';

export interface YesNoResult {
  value: YesNo | null;
  how: YesNoHow;
  /** Spans of the words that decided it (for the residual text). */
  spans: Span[];
}

const EXACT_YES = new Set([
  'sim',
  's',
  'ok',
  'okay',
  'confirmo',
  'confirma',
  'confirmado',
  'confere',
  'certo',
  'perfeito',
  'exato',
  'correto',
  'isso',
  'isso mesmo',
  'e isso',
  'tudo certo',
  'pode ser',
  'beleza',
  'blz',
  'show',
  'top',
  'positivo',
  'afirmativo',
  'concordo',
  'aceito',
  'vamos',
  'vai',
  'dale',
  'bora',
  'pode',
  'pode ir',
  'pode mandar',
  'manda',
  'enviar',
  'envie',
  '👍',
  '✅',
  '✓',
  '1',
  'yes',
  'y',
  // Common in the transcripts and in WhatsApp PT-BR.
  'pode salvar',
  'salvar',
  'salva',
  'pode confirmar',
  'claro',
  'com certeza',
  'ta bom',
  'ta certo',
  'esta certo',
  'tudo bem',
  'fechado',
  'combinado',
  'uhum',
  'aham',
  'sim sim',
  'sim pode',
  'sim confirmo',
  'ok pode salvar',
]);

const EXACT_NO = new Set([
  'nao',
  'n',
  'nunca',
  'jamais',
  'negativo',
  'nao confirmo',
  'nao confere',
  'errado',
  'incorreto',
  'falso',
  'nao e isso',
  'nao e',
  'para',
  'pare',
  'cancela',
  'cancelar',
  'cancelado',
  'desisto',
  'nao quero',
  'recuso',
  'rejeito',
  'discordo',
  'nao aceito',
  '👎',
  '❌',
  '✗',
  '0',
  'no',
  'nope',
  'nao posso',
  'nao salva',
  'nao salvar',
  'nao pode',
  'nem',
  'nao nao',
]);

/** Answers that commit to nothing. Checked first, on word boundaries. */
const HEDGE =
  /\b(?:talvez|nao sei|sei la|depende|mais ou menos|pode ser que|vou pensar|depois (?:eu )?vejo|vou ver|deixa eu ver|nao tenho certeza|acho que (?:sim|nao)|quem sabe)\b/;

const YES_WORDS =
  /\b(?:sim|ok|okay|confirm[oa]|confirmado|certo|perfeito|correto|positivo|afirmativo|concordo|aceito|pode|manda|envia|enviar|salva|salvar|beleza|claro)\b|👍|✅|✓/g;
// "para" is only a no-word at the start ("para tudo"); elsewhere it is the preposition "for".
const NO_WORDS = /\b(?:nao|nunca|jamais|negativo|errado|incorreto|falso|pare|cancel\w*|desist\w*|recuso|rejeito|discordo|nem)\b|^para\b|👎|❌|✗/g;
/** A first word that is a yes or a no word. */
const STARTS_WITH_WORD = new RegExp(`^(?:${YES_WORDS.source}|${NO_WORDS.source})`);

function spansOf(folded: string, re: RegExp, offset: number): Span[] {
  return matchesOf(re, folded).map((m) => ({ start: offset + m.index, end: offset + m.index + m[0].length }));
}

export interface YesNoOptions {
  /**
   * Scan the whole message for yes/no words. The caller allows it for short messages without
   * clinical content; otherwise only a first clause that starts with a yes/no word counts
   * ("não, ainda não cheguei"), so "paciente não tem febre" is not a "no".
   */
  scanWholeText: boolean;
}

/** Classifies a message as yes / no / neither, deterministically. */
export function classifyYesNo(text: string, options: YesNoOptions): YesNoResult {
  const answer = normaliseAnswer(text);
  if (!answer) return { value: null, how: 'none', spans: [] };
  const whole: Span[] = [{ start: 0, end: text.length }];
  if (HEDGE.test(answer)) return { value: null, how: 'hedge', spans: [] };
  if (EXACT_NO.has(answer)) return { value: 'no', how: 'exact', spans: whole };
  if (EXACT_YES.has(answer)) return { value: 'yes', how: 'exact', spans: whole };

  const folded = foldKeepLength(text);
  let region = folded;
  let offset = 0;
  if (!options.scanWholeText) {
    // Only the first clause, and only when it starts with a yes/no word.
    const lead = folded.match(/^\s*/)![0].length;
    const end = folded.slice(lead).search(/[,;.!?\n]/);
    const clause = end < 0 ? folded.slice(lead) : folded.slice(lead, lead + end);
    const first = tokens(clause)[0] ?? '';
    const startsWithWord = STARTS_WITH_WORD.test(first) || /^[👍✅✓👎❌✗]/u.test(clause);
    if (!startsWithWord) return { value: null, how: 'none', spans: [] };
    region = clause;
    offset = lead;
  }
  const no = spansOf(region, NO_WORDS, offset);
  const yes = spansOf(region, YES_WORDS, offset);
  if (no.length && yes.length) return { value: 'no', how: 'conflict', spans: [...no, ...yes] };
  if (no.length) return { value: 'no', how: 'regex', spans: no };
  if (yes.length) return { value: 'yes', how: 'regex', spans: yes };
  return { value: null, how: 'none', spans: [] };
}

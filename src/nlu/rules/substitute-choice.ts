import { normaliseAnswer } from './text.js';

/** What a reply to "Substitutos disponíveis: 1. …, 2. … Quer escolher um?" means. */
export type ChoiceReading = { kind: 'number'; choice: string } | { kind: 'refusal' } | { kind: 'name'; choice: string } | { kind: 'none' };

const ORDINALS: Record<string, string> = {
  primeiro: '1',
  primeira: '1',
  segundo: '2',
  segunda: '2',
  terceiro: '3',
  terceira: '3',
  quarto: '4',
  quarta: '4',
  quinto: '5',
  quinta: '5',
  sexto: '6',
  sexta: '6',
  um: '1',
  uma: '1',
  dois: '2',
  duas: '2',
  tres: '3',
  quatro: '4',
  cinco: '5',
  seis: '6',
};

// A refusal only by explicit refusal words, never a substring test on "n" (most names contain one).
const REFUSAL =
  /^(?:nao|n|nenhum|nenhuma|nenhum deles|nenhuma delas|nao quero|nao precisa|nao obrigad[oa]|nao,? obrigad[oa]|dispenso|deixa|deixa pra la|nao vou escolher|nao quero escolher|nao quero nenhum|sem substituto)$/;

// "quero o 2", "opção 2", "número 2", "o segundo", "pode ser a Maria", "escolho João"
const LEAD =
  /^(?:(?:sim|ok|certo|beleza)\s*,?\s*)?(?:(?:eu\s+)?(?:quero|escolho|prefiro|pode ser|seria|vou de|fico com)\s+)?(?:(?:o|a)\s+)?(?:(?:opcao|numero|n[oº°]\.?|nº)\s*)?/;

/** Reads a substitute choice: a number (or ordinal), an explicit refusal, or a name to match. */
export function readSubstituteChoice(text: string): ChoiceReading {
  const answer = normaliseAnswer(text);
  if (!answer) return { kind: 'none' };
  if (REFUSAL.test(answer)) return { kind: 'refusal' };
  const stripped = answer.replace(LEAD, '').trim();
  const digits = stripped.match(/^(\d{1,2})(?:\s*(?:o|a|º|ª))?$/);
  if (digits) return { kind: 'number', choice: String(Number(digits[1])) };
  if (ORDINALS[stripped]) return { kind: 'number', choice: ORDINALS[stripped] };
  // A name: letters only, up to four words; the caller matches it against the list (it knows it).
  if (/^[a-z]+(?:\s+[a-z]+){0,3}$/.test(stripped) && !/^(?:sim|ok|oi|ola|nao|talvez)$/.test(stripped)) {
    const offset = answer.length - stripped.length;
    return { kind: 'name', choice: originalSlice(text, offset, stripped.length) };
  }
  return { kind: 'none' };
}

/** Recovers the user's own spelling (accents, case) of the stripped name. */
function originalSlice(text: string, offset: number, length: number): string {
  const cleaned = text
    .normalize('NFC')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\s!.,;:?]+$/u, '')
    .trim();
  return cleaned.slice(offset, offset + length);
}

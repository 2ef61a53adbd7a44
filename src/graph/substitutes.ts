import type { Substitute } from './state.js';

/** Pure matching of a caregiver's answer against the numbered list of substitutes. */

/** Lowercase, accents removed, punctuation to spaces, collapsed. Pure. */
function normalize(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9 ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const REFUSAL_EXACT = new Set(['nao', 'n', 'nenhum', 'nenhuma', 'ninguem', 'nao quero', 'nao obrigado', 'nao obrigada', 'dispenso']);
const REFUSAL_WORDS = /\b(nenhum|nenhuma|ninguem|nao quero|dispenso|sem substitut[oa]s?)\b/;

/**
 * Whether the answer explicitly refuses a substitute. Word-based, so a name that merely contains
 * an "n" is never a refusal (docs/decisions.md). Pure.
 */
export function isRefusal(text: string): boolean {
  const normalized = normalize(text);
  return REFUSAL_EXACT.has(normalized) || REFUSAL_WORDS.test(normalized);
}

/**
 * Picks a substitute by 1-based number or by name: the answer must name exactly one of them
 * (full name, or a first/last name of at least 3 letters). Pure.
 */
export function matchSubstitute(answer: string, list: Substitute[]): Substitute | null {
  const normalized = normalize(answer);
  if (!normalized) return null;
  const number = /^(?:o |a |numero |n )?(\d{1,2})(?: .*)?$/.exec(normalized);
  if (number) {
    const index = Number(number[1]) - 1;
    return list[index] ?? null;
  }
  const full = list.filter((sub) => normalize(sub.name) && normalized.includes(normalize(sub.name)));
  if (full.length === 1) return full[0];
  const words = new Set(normalized.split(' '));
  const partial = list.filter((sub) =>
    normalize(sub.name)
      .split(' ')
      .some((part) => part.length >= 3 && words.has(part)),
  );
  return partial.length === 1 ? partial[0] : null;
}

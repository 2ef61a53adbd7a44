import { matchesOf, type Span } from './text.js';

/**
 * Numbers as people say them, the way voice-note transcripts (and some caregivers) write them:
 * "doze", "setenta e oito", "cento e vinte", "trinta e seis e meio", "trinta e seis vírgula
 * cinco", "36 e meio", "noventa e sete por cento". Works on accent-folded text.
 */

const UNITS: Record<string, number> = {
  zero: 0,
  um: 1,
  uma: 1,
  dois: 2,
  duas: 2,
  tres: 3,
  quatro: 4,
  cinco: 5,
  seis: 6,
  sete: 7,
  oito: 8,
  nove: 9,
};
const TEENS: Record<string, number> = {
  dez: 10,
  onze: 11,
  doze: 12,
  treze: 13,
  catorze: 14,
  quatorze: 14,
  quinze: 15,
  dezesseis: 16,
  dezasseis: 16,
  dezessete: 17,
  dezassete: 17,
  dezoito: 18,
  dezenove: 19,
  dezanove: 19,
};
const TENS: Record<string, number> = {
  vinte: 20,
  trinta: 30,
  quarenta: 40,
  cinquenta: 50,
  sessenta: 60,
  setenta: 70,
  oitenta: 80,
  noventa: 90,
};
const HUNDREDS: Record<string, number> = {
  cem: 100,
  cento: 100,
  duzentos: 200,
  duzentas: 200,
  trezentos: 300,
  trezentas: 300,
  quatrocentos: 400,
  quinhentos: 500,
  seiscentos: 600,
  setecentos: 700,
  oitocentos: 800,
  novecentos: 900,
};

/** The words and digit runs of a folded text. */
const TOKEN = /[a-z]+|\d+(?:[.,]\d+)?/g;
/**
 * A word that can start or continue a spoken number (every word of the tables above, and the
 * decimal words): a text without one has nothing to rewrite.
 */
const NUMBER_WORD = new RegExp(
  `(?<![a-z])(?:${[...Object.keys(UNITS), ...Object.keys(TEENS), ...Object.keys(TENS), ...Object.keys(HUNDREDS), 'virgula', 'ponto', 'meio', 'meia'].join('|')})(?![a-z])`,
);

interface Token {
  word: string;
  start: number;
  end: number;
}

/** A number read from consecutive tokens: its value as written with digits ("36,5") and the tokens it took. */
interface Reading {
  digits: string;
  /** Index of the first token after the number. */
  next: number;
}

const isDigits = (w: string) => /^\d+(?:[.,]\d+)?$/.test(w);

/** Units to 999 from words ("cento e vinte e cinco") or a digit token; null when `i` starts no number. */
function readInteger(tokens: Token[], i: number): { value: string; next: number } | null {
  const at = (k: number) => tokens[k]?.word;
  const w = at(i);
  if (w === undefined) return null;
  if (isDigits(w)) return { value: w, next: i + 1 };
  /** "e" followed by a word of `table`: the position after it, else null. */
  const andThen = (k: number, ...tables: Record<string, number>[]) => (at(k) === 'e' && tables.some((t) => at(k + 1) in t) ? k + 1 : null);
  const tensPart = (k: number): { value: number; next: number } | null => {
    const word = at(k);
    if (word === undefined) return null;
    if (word in TENS) {
      const unit = andThen(k + 1, UNITS);
      return unit === null ? { value: TENS[word], next: k + 1 } : { value: TENS[word] + UNITS[at(unit)], next: unit + 1 };
    }
    if (word in TEENS) return { value: TEENS[word], next: k + 1 };
    if (word in UNITS) return { value: UNITS[word], next: k + 1 };
    return null;
  };
  if (w in HUNDREDS) {
    const rest = andThen(i + 1, TENS, TEENS, UNITS);
    const tail = rest === null ? null : tensPart(rest);
    return tail ? { value: String(HUNDREDS[w] + tail.value), next: tail.next } : { value: String(HUNDREDS[w]), next: i + 1 };
  }
  const tens = tensPart(i);
  // A lone "um"/"uma" is an article far more often than a number ("um pouco de febre").
  if (!tens || (tens.next === i + 1 && (w === 'um' || w === 'uma'))) return null;
  return { value: String(tens.value), next: tens.next };
}

/** A whole number with its decimals ("vírgula cinco", "ponto 5", "e meio"); null when `i` starts no number. */
function readNumber(tokens: Token[], i: number): Reading | null {
  const integer = readInteger(tokens, i);
  if (!integer) return null;
  const at = (k: number) => tokens[k]?.word;
  let { value } = integer;
  let next = integer.next;
  if (!/[.,]/.test(value)) {
    if ((at(next) === 'virgula' || at(next) === 'ponto') && at(next + 1) !== undefined) {
      const decimals = readInteger(tokens, next + 1) ?? (at(next + 1) === 'um' ? { value: '1', next: next + 2 } : null);
      if (decimals && /^\d+$/.test(decimals.value)) {
        value = `${value},${decimals.value}`;
        next = decimals.next;
      }
    } else if (at(next) === 'e' && (at(next + 1) === 'meio' || at(next + 1) === 'meia')) {
      value = `${value},5`;
      next += 2;
    }
  }
  return { digits: value, next };
}

export interface SpokenDigits {
  /** The text with each spoken number written in digits, right-aligned in the same length. */
  text: string;
  /** The stretches that were rewritten (spans of the original). */
  regions: Span[];
}

/**
 * Pure: rewrites the spoken numbers of a folded text into digits without moving anything — each
 * number is right-aligned within the stretch it was said in and padded with spaces ("setenta e
 * oito" → "            78"), and "por cento" becomes "%" the same way — so a match on the result
 * is a span of the original text. Digit tokens are rewritten only when words follow them ("36 e meio").
 */
export function spokenToDigits(folded: string): SpokenDigits {
  if (!NUMBER_WORD.test(folded)) return { text: folded, regions: [] };
  const tokens: Token[] = matchesOf(TOKEN, folded).map((m) => ({ word: m[0], start: m.index, end: m.index + m[0].length }));
  const chars = folded.split('');
  const regions: Span[] = [];
  const write = (start: number, end: number, replacement: string) => {
    const padded = replacement.padStart(end - start, ' ');
    for (let k = start; k < end; k++) chars[k] = padded[k - start]!;
    regions.push({ start, end });
  };
  for (let i = 0; i < tokens.length;) {
    const reading = readNumber(tokens, i);
    if (reading) {
      const start = tokens[i].start;
      const end = tokens[reading.next - 1].end;
      const spoken = reading.next - i > 1 || !isDigits(tokens[i].word);
      // Digits never outgrow the words they replace below 1000; a longer reading is left alone.
      if (spoken && reading.digits.length <= end - start) write(start, end, reading.digits);
      i = reading.next;
      continue;
    }
    if (tokens[i].word === 'por' && tokens[i + 1]?.word === 'cento' && i > 0) {
      write(tokens[i].start, tokens[i + 1].end, '%');
      i += 2;
      continue;
    }
    i++;
  }
  return { text: chars.join(''), regions };
}

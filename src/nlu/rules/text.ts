/** Text helpers shared by the rules: accent folding that keeps offsets, spans and residual text. */

/** A half-open range [start, end) of the ORIGINAL text. */
export interface Span {
  start: number;
  end: number;
}

function foldChar(ch: string): string {
  const lower = ch.toLowerCase();
  if (lower.length !== 1) return ch.length === 1 ? ch : lower.slice(0, ch.length);
  if (lower.charCodeAt(0) < 0x80) return lower;
  const stripped = lower.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  return stripped.length === 1 ? stripped : lower;
}

const NON_ASCII = /[^\p{ASCII}]/u;
/** foldChar of each non-ASCII code unit met so far (a few dozen in Portuguese; at most 65,408). */
const FOLDED = new Map<string, string>();

/**
 * Lower-cases and strips accents code unit by code unit, so the result has exactly the same
 * length as the input: a regex match on the folded text slices the original text at the same offsets.
 */
export function foldKeepLength(text: string): string {
  // ASCII has no accents, and lower-casing it keeps every length.
  if (!NON_ASCII.test(text)) return text.toLowerCase();
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const code = ch.charCodeAt(0);
    if (code < 0x80) {
      out += code >= 65 && code <= 90 ? String.fromCharCode(code + 32) : ch;
      continue;
    }
    let folded = FOLDED.get(ch);
    if (folded === undefined) {
      folded = foldChar(ch);
      FOLDED.set(ch, folded);
    }
    out += folded;
  }
  return out;
}

/** Lower-case, accent-free, trimmed, whitespace collapsed, trailing `!.,;:?` stripped. */
export function normaliseAnswer(text: string): string {
  return foldKeepLength(text.normalize('NFC'))
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\s!.,;:?]+$/u, '')
    .trim();
}

/** Word tokens (letters/digits) of a folded text. */
export function tokens(folded: string): string[] {
  return folded.match(/[a-z0-9]+/g) ?? [];
}

/** True when two spans share at least one character. */
export const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;

/** The original text with the given spans blanked out (replaced by spaces, offsets kept). */
export function blankOut(text: string, spans: readonly Span[]): string {
  if (spans.length === 0) return text;
  const blank = new Uint8Array(text.length);
  for (const s of spans) blank.fill(1, Math.max(0, s.start), Math.min(s.end, text.length));
  let out = '';
  for (let i = 0; i < text.length;) {
    let j = i + 1;
    while (j < text.length && blank[j] === blank[i]) j++;
    out += blank[i] ? ' '.repeat(j - i) : text.slice(i, j);
    i = j;
  }
  return out;
}

/**
 * Tidies a text left after removing spans: collapses blanks and stray punctuation, drops edge
 * connectors and a closing full stop (transcripts always end with one; a note is quoted inside a sentence).
 */
export function tidy(text: string): string {
  let out = text
    .replace(/\s+/g, ' ')
    .replace(/\s+([,;.!?:])/g, '$1')
    .replace(/([,;:])(?:\s*[,;:])+/g, '$1')
    .trim()
    .replace(/^[\s,;.:!?\-–]+|[\s,;:.\-–]+$/g, '')
    .trim();
  // Connectors at the edges ("e acabou o soro" → "acabou o soro"); compare on the folded copy.
  for (let i = 0; i < 4; i++) {
    const folded = foldKeepLength(out);
    const lead = folded.match(/^(?:e|mas|porem|tambem|entao|alem disso)\b[\s,]*/);
    const trail = folded.match(/[\s,]+(?:e|mas|porem|com|de)$/);
    if (!lead && !trail) break;
    if (lead) out = out.slice(lead[0].length);
    if (trail) out = out.slice(0, out.length - trail[0].length);
    out = out
      .trim()
      .replace(/^[\s,;.:!?\-–]+|[\s,;:.\-–]+$/g, '')
      .trim();
  }
  return out;
}

/**
 * Every match of a global regex, as `text.matchAll(re)` gives them, without the copy of the regex
 * matchAll makes per call (most of the rules' cost on a short message). The regex's lastIndex is
 * left at 0.
 */
export function matchesOf(re: RegExp, text: string): RegExpExecArray[] {
  if (!re.global) throw new TypeError('matchesOf needs a global regex');
  const out: RegExpExecArray[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    out.push(m);
    // An empty match moves on by one character, as matchAll does.
    if (m[0] === '') re.lastIndex += re.unicode && (text.codePointAt(re.lastIndex) ?? 0) > 0xffff ? 2 : 1;
  }
  re.lastIndex = 0;
  return out;
}

const CLAUSE_SEPARATORS = /[,;.!?\n]+/g;

/** Splits a text into clause spans at sentence punctuation, commas and line breaks. */
export function clauseSpans(text: string, separators = CLAUSE_SEPARATORS): Span[] {
  const spans: Span[] = [];
  let start = 0;
  const re = separators.flags === 'g' ? separators : new RegExp(separators.source, 'g');
  for (const m of matchesOf(re, text)) {
    // A decimal comma/point ("36,5") is not a separator.
    const before = text[m.index - 1];
    const after = text[m.index + m[0].length];
    if (m[0].length === 1 && /[.,]/.test(m[0]) && before && after && /\d/.test(before) && /\d/.test(after)) continue;
    if (m.index > start) spans.push({ start, end: m.index });
    start = m.index + m[0].length;
  }
  if (start < text.length) spans.push({ start, end: text.length });
  return spans.filter((s) => text.slice(s.start, s.end).trim().length > 0);
}

/** Trims whitespace off a span of `text`. */
export function trimSpan(text: string, span: Span): Span {
  let { start, end } = span;
  while (start < end && /\s/.test(text[start])) start++;
  while (end > start && /\s/.test(text[end - 1])) end--;
  return { start, end };
}

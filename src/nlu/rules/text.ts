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

/**
 * Lower-cases and strips accents code unit by code unit, so the result has exactly the same
 * length as the input: a regex match on the folded text slices the original text at the same offsets.
 */
export function foldKeepLength(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += foldChar(text[i]);
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
  const chars = text.split('');
  for (const s of spans) for (let i = s.start; i < s.end && i < chars.length; i++) chars[i] = ' ';
  return chars.join('');
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

/** Splits a text into clause spans at sentence punctuation, commas and line breaks. */
export function clauseSpans(text: string, separators = /[,;.!?\n]+/g): Span[] {
  const spans: Span[] = [];
  let start = 0;
  const re = new RegExp(separators.source, 'g');
  for (const m of text.matchAll(re)) {
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

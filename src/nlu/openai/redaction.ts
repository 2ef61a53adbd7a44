/**
 * LGPD minimisation of what leaves for the LLM: phone numbers, e-mail addresses and the people the
 * conversation names (caregiver, patient, substitutes; their ids) become placeholders. Pure. The
 * placeholders in the LLM's answer are put back, so a saved note keeps the caregiver's words.
 */
import { foldKeepLength } from '../rules/text.js';

export type RedactionKind = 'phone' | 'email' | 'name';

export interface Redacted {
  text: string;
  /** How many of each kind were replaced. */
  counts: Record<RedactionKind, number>;
  /** Puts the originals back into a string the LLM produced from `text`. */
  restore: (value: string) => string;
}

// Vitals are far shorter digit runs ("120x80", "36,5"); anything of 10+ digits and separators is a phone or a document number.
const PHONE = /\+?\d[\d\s().-]{8,}\d/g;
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
/** Up to three capitalised words (and the particles between them) right after a name. */
const SURNAMES = /^(?:\s+(?:(?:da|de|do|das|dos|e)\s+)?\p{Lu}[\p{Ll}'’-]+){1,3}/u;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Pure: `text` with phones, e-mails and every identity (accent- and case-insensitive, whole words) replaced. */
export function redactForLlm(text: string, identities: readonly string[] = []): Redacted {
  const counts: Record<RedactionKind, number> = { phone: 0, email: 0, name: 0 };
  const originals = new Map<string, string>();
  let out = text
    .replace(EMAIL, () => {
      counts.email++;
      return '[email]';
    })
    .replace(PHONE, () => {
      counts.phone++;
      return '[telefone]';
    });
  // Longest first, so "Ana Paula" is replaced before "Ana".
  const names = [...new Set(identities.map((i) => i.trim()).filter((i) => i.length >= 2 && !/^\d+$/.test(i)))].sort((a, b) => b.length - a.length);
  names.forEach((name, n) => {
    const placeholder = `[pessoa${n + 1}]`;
    const pattern = new RegExp(`(?<![\\p{L}\\p{N}])${escape(foldKeepLength(name))}(?![\\p{L}\\p{N}])`, 'gu');
    let folded = foldKeepLength(out);
    let match: RegExpExecArray | null;
    while ((match = pattern.exec(folded)) !== null) {
      // The state knows first names only: a surname written after one ("Ana Souza", "José da Silva") goes with it.
      const end = match.index + match[0].length + (SURNAMES.exec(out.slice(match.index + match[0].length))?.[0].length ?? 0);
      originals.set(placeholder, out.slice(match.index, end));
      out = `${out.slice(0, match.index)}${placeholder}${out.slice(end)}`;
      folded = foldKeepLength(out);
      pattern.lastIndex = match.index + placeholder.length;
      counts.name++;
    }
  });
  return {
    text: out,
    counts,
    restore: (value) => value.replace(/\[pessoa\d+\]/g, (p) => originals.get(p) ?? p),
  };
}

/** Pure: `value` with `restore` applied to every string inside it. */
export function restoreDeep<T>(value: T, restore: (s: string) => string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return restore(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

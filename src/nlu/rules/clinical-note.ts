import { blankOut, foldKeepLength, tidy, tokens, type Span } from './text.js';

/** Words that make free text a description of the patient (folded, word starts). */
export const CLINICAL_VOCABULARY =
  /\b(?:paciente|pcte|pct|consciente|orientad\w*|lucid\w*|sonolent\w*|agitad\w*|calm[oa]|tranquil\w*|estavel|queix\w*|dor|dores|doi|febre|febril|afebril|tosse|tossi\w*|secrec\w*|vomit\w*|nausea\w*|diarreia|evacu\w*|diurese|urin\w*|fezes|dieta|aliment\w*|aceitou|dorm\w*|respir\w*|dispneia|cansad\w*|edema|inchad\w*|lesao|ferida|curativo|pele|corad\w*|hidratad\w*|sangr\w*|convuls\w*|queda|caiu|glicemia|hgt|dextro|mucosas?|escara|ulcera|tontura|cefaleia|confus\w*|desorientad\w*|chor\w*|apetite|acordad\w*|deambul\w*|acamad\w*|sonda|gastrostomia|traqueo\w*|aspira\w*|banho|higiene|mudanca de decubito|decubito|sem alterac\w*)\b/;

/** Words that carry no content of their own once vitals and the rest were removed. */
const FILLER = new Set([
  'e',
  'mas',
  'porem',
  'tambem',
  'o',
  'a',
  'os',
  'as',
  'de',
  'do',
  'da',
  'dos',
  'das',
  'com',
  'em',
  'no',
  'na',
  'ja',
  'agora',
  'aqui',
  'hoje',
  'entao',
  'segue',
  'seguem',
  'sinais',
  'vitais',
  'sv',
  'ssvv',
  'dados',
  'ai',
  'por',
  'favor',
  'obrigado',
  'obrigada',
  'paciente',
  'pcte',
  'pct',
  'esta',
  'estava',
  'ta',
  'respirando',
  'mmhg',
  'bpm',
  'irpm',
  'rpm',
  'c',
  'graus',
  'afericao',
  'aferi',
  'medi',
  'medidas',
  'ficou',
  'foi',
  'sao',
  'estao',
  'que',
  'eh',
  'ok',
  'sim',
  'pa',
  'fc',
  'fr',
  'sat',
  'temp',
  'x',
  'um',
  'uma',
]);

/** True when the text left over holds nothing beyond connectors and filler words. */
export function isFillerOnly(text: string): boolean {
  return tokens(foldKeepLength(text)).every((t) => FILLER.has(t));
}

/** The text left once the given spans (vitals, condition, operational fragment, cues…) are removed, tidied. */
export function residualText(text: string, consumed: readonly Span[]): string {
  return tidy(blankOut(text, consumed));
}

/** "Nota: …", "Nota clínica - …", "Obs: …": the label the bot itself asks for is not part of the note. */
const NOTE_LABEL = /^\s*(?:nota(?:\s+clinica)?|obs(?:ervac(?:ao|oes))?\.?|evolucao|anotacao)\s*[:\-–]\s*/;

/** The note without a leading "Nota:"-style label (kept as is when nothing would remain). */
export function stripNoteLabel(note: string): string {
  const m = NOTE_LABEL.exec(foldKeepLength(note));
  const rest = m ? note.slice(m[0].length).trim() : note;
  return rest || note;
}

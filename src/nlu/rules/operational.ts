import { clauseSpans, trimSpan, type Span } from './text.js';

/**
 * Operational-note cues: supplies running out, equipment broken, could not measure / patient
 * refused, infrastructure problems, visits and staff changes, requests for material. Folded text.
 */
// "acabou o plantão", "falta de ar", "falta a temperatura" are not about supplies.
const SUPPLY_OBJECT_EXCLUDED =
  /^(?:\s*(?:o|a|os|as|de|do|da|so)?\s*)(?:plantao|turno|expediente|horario|afericao|almoco|jantar|banho|ar|apetite|memoria|sono|pa|fc|fr|sat|temp\w*|pressao|saturacao|frequencia|nota|informac\w*)\b/;

/** Where a clause splits again: " e ", " mas ", " porém ", " também ". */
const CONNECTOR = /\s+(?:e|mas|porem|tambem)\s+/g;

const CUES: { kind: string; re: RegExp }[] = [
  { kind: 'supplies', re: /\b(?:acab(?:ou|aram|ando)|esgot(?:ou|aram|ado|ada)|falt(?:ou|aram|ando|a|am)|sem estoque)\b/ },
  {
    kind: 'request',
    re: /\b(?:precis(?:o|amos|a) de (?:mais |um |uma |novo |nova )?(?:fralda|luva|gaze|soro|seringa|agulha|material|curativo|sonda|equipo|alcool|lencol|dieta|oxigenio|cilindro|insumo)|solicit(?:o|amos|ar) (?:material|insumo|reposicao)|reposicao de|pedir (?:mais )?material|favor (?:enviar|mandar|trazer))/,
  },
  {
    kind: 'equipment',
    re: /\b(?:quebr(?:ou|aram|ado|ada)|estrag(?:ou|aram|ado|ada)|com defeito|pifou|parou de funcionar|nao (?:esta )?(?:funciona|funcionando|liga|ligando|carrega)|sem bateria|descarregad[oa])\b/,
  },
  {
    kind: 'measure',
    re: /\b(?:nao (?:consegui|conseguimos|foi possivel|deu para|deu pra) (?:medir|aferir|verificar|afericao|fazer a afericao|pegar)|impossivel (?:medir|aferir)|(?:paciente )?recusou (?:a |o )?(?:afericao|medir|verificar|sinais|aferir))/,
  },
  {
    kind: 'infrastructure',
    re: /\b(?:sem (?:energia|luz|agua|internet)|falta de (?:energia|luz|agua)|(?:caiu|acabou) a (?:energia|luz|agua)|vazamento|infiltracao|goteira)\b/,
  },
  {
    kind: 'visit',
    re: /\b(?:visita (?:do|da|de)|(?:o|a) (?:medic[oa]|enfermeir[oa]|fisioterapeuta|nutricionista|fonoaudiolog[oa]|supervisor[a]?|coordenador[a]?) (?:veio|passou|esteve|visitou)|(?:veio|vieram|passou|esteve) (?:aqui )?(?:o|a) (?:medic[oa]|enfermeir[oa]|fisioterapeuta|nutricionista|supervisor[a]?|coordenador[a]?)|troca de plantao|trocou de plantao|rendeu o plantao)/,
  },
];

export interface OperationalOptions {
  /** In finalization, visits are the administrative topic, not an instant note. */
  includeVisits: boolean;
}

export interface FoundOperational {
  note: string;
  spans: Span[];
  kinds: string[];
}

function cueIn(folded: string, options: OperationalOptions): string | null {
  for (const cue of CUES) {
    if (cue.kind === 'visit' && !options.includeVisits) continue;
    const m = folded.match(cue.re);
    if (!m) continue;
    if (cue.kind === 'supplies' && SUPPLY_OBJECT_EXCLUDED.test(folded.slice(m.index! + m[0].length))) continue;
    return cue.kind;
  }
  return null;
}

/**
 * The operational fragment(s) of a message: the clauses holding a cue, split again at " e "/" mas "
 * so "PA 130x80 FC 88 e acabou o soro" gives "acabou o soro". `blocked` spans (vitals found
 * elsewhere) are never part of the fragment. Returns null when there is no cue.
 */
export function findOperational(text: string, folded: string, blocked: readonly Span[], options: OperationalOptions): FoundOperational | null {
  const spans: Span[] = [];
  const kinds: string[] = [];
  for (const clause of clauseSpans(folded)) {
    const pieces: Span[] = [];
    for (const s of clauseSpans(folded.slice(clause.start, clause.end), CONNECTOR)) {
      pieces.push(...subtract({ start: clause.start + s.start, end: clause.start + s.end }, blocked));
    }
    let previousWasCue = false;
    for (const piece of pieces) {
      const pieceText = folded.slice(piece.start, piece.end);
      const kind = cueIn(pieceText, options);
      if (kind) {
        spans.push(trimSpan(text, piece));
        kinds.push(kind);
        previousWasCue = true;
      } else if (previousWasCue && /^\s*(?:o|a|os|as|um|uma|mais|tambem)\s+[a-z]+\s*$/.test(pieceText)) {
        // "acabou o soro e a gaze": a short object continuing the previous cue.
        spans.push(trimSpan(text, piece));
      } else {
        previousWasCue = false;
      }
    }
  }
  if (spans.length === 0) return null;
  const merged = mergeAdjacent(folded, spans);
  const note = merged.map((s) => text.slice(s.start, s.end).trim()).join(', ');
  return { note, spans: merged, kinds };
}

/** Joins spans separated only by a connector ("acabou o soro e a gaze" stays one fragment). */
function mergeAdjacent(folded: string, spans: Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && /^\s*(?:e|mas|porem|tambem)?\s*$/.test(folded.slice(last.end, s.start))) last.end = s.end;
    else out.push({ ...s });
  }
  return out;
}

/** The parts of `span` not covered by any of `blocked`. */
function subtract(span: Span, blocked: readonly Span[]): Span[] {
  let pieces: Span[] = [span];
  for (const b of blocked) {
    const next: Span[] = [];
    for (const p of pieces) {
      if (b.end <= p.start || b.start >= p.end) {
        next.push(p);
        continue;
      }
      if (b.start > p.start) next.push({ start: p.start, end: b.start });
      if (b.end < p.end) next.push({ start: b.end, end: p.end });
    }
    pieces = next;
  }
  return pieces.filter((p) => p.end > p.start);
}

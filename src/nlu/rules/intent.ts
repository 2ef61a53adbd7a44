import type { Intent } from '../../contracts/understanding.js';
import { matchesOf, type Span } from './text.js';

/** Phrases that name an intent by themselves (folded). Each also marks text as "explained". */
const CUES: { intent: Intent; kind: string; re: RegExp }[] = [
  {
    intent: 'finalizar',
    kind: 'finish',
    re: /\b(?:(?:quero|vou|posso|preciso|gostaria de|bora|vamos)\s+)?(?:finaliz\w*|encerr\w*|termin(?:ar|ei|ando|a|o))(?:\s+(?:o|meu|o meu))?(?:\s+(?:plantao|turno|relatorio|expediente))?\b|\bfim do (?:plantao|turno)\b|\b(?:acabou|terminou) (?:o )?(?:meu )?(?:plantao|turno)\b/g,
  },
  {
    intent: 'escala',
    kind: 'cancel',
    re: /\b(?:(?:quero|preciso|vou|posso)\s+)?cancel\w*\s+(?:o\s+|meu\s+|o meu\s+|a\s+|minha\s+)?(?:plantao|turno|presenca|escala)\b|\bnao (?:vou )?(?:poder )?(?:ir|comparecer)\b(?:\s+(?:hoje|ao plantao|no plantao))?/g,
  },
  {
    intent: 'escala',
    kind: 'presence',
    re: /\b(?:cheguei|chegando|acabei de chegar|ja cheguei|estou (?:no|na|aqui no|aqui na) (?:local|plantao|casa|paciente|residencia)|(?:to|estou) aqui|(?:confirm\w*|registr\w*|marc\w*)\s+(?:a\s+|minha\s+)?presenca|presenca|meu plantao|minha escala|escala de hoje|que horas (?:e|comeca) (?:o|meu) plantao)\b/g,
  },
  {
    intent: 'auxiliar',
    kind: 'help',
    re: /^\s*(?:oi+|ola|opa|e ai|hey|hello|bom dia|boa tarde|boa noite|tudo bem)\b[\s,!.?]*(?:tudo bem\??)?|\b(?:ajuda|socorro|help|menu|comandos|como funciona|como (?:eu )?uso|o que (?:voce|vc|tu) (?:faz|pode fazer|sabe fazer)|como (?:posso|devo) (?:enviar|mandar|registrar)|obrigad[oa]|valeu)\b/g,
  },
];

export interface IntentCue {
  intent: Intent;
  kind: string;
  span: Span;
}

/** Every intent cue in the folded text. */
export function findIntentCues(folded: string): IntentCue[] {
  const out: IntentCue[] = [];
  for (const cue of CUES) {
    for (const m of matchesOf(cue.re, folded)) {
      if (m[0].trim().length === 0) continue;
      out.push({ intent: cue.intent, kind: cue.kind, span: { start: m.index, end: m.index + m[0].length } });
    }
  }
  return out;
}

export interface IntentSignals {
  cues: IntentCue[];
  hasVitals: boolean;
  hasCondition: boolean;
  hasNote: boolean;
  hasOperational: boolean;
  hasTopics: boolean;
  hasChoice: boolean;
  expecting: string;
}

/**
 * Deterministic intent, by precedence: a substitute choice when one is expected; finishing;
 * cancelling; clinical data; presence; finalization topics when expected; a clinical note;
 * an operational note alone; greetings/help. Data fields are filled regardless of the intent.
 */
export function decideIntent(s: IntentSignals): Intent | null {
  const has = (kind: string) => s.cues.some((c) => c.kind === kind);
  if (s.expecting === 'substitute_choice' && s.hasChoice) return 'substituto';
  if (has('finish')) return 'finalizar';
  if (has('cancel')) return 'escala';
  if (s.hasVitals || s.hasCondition) return 'clinico';
  if (has('presence')) return 'escala';
  if (s.expecting === 'finalization_topics' && s.hasTopics) return 'finalizar';
  if (s.hasNote) return 'clinico';
  if (s.hasOperational) return 'operacional';
  if (has('help')) return 'auxiliar';
  return null;
}

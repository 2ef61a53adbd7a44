import { VITAL_FIELDS } from '../contracts/understanding.js';
import type { State } from './state.js';

/** A template's context is ignored after this long (the caregiver may answer hours later, not days). */
const TEMPLATE_CONTEXT_TTL_MS = 2 * 3_600_000;

/** Pure: whether a template's context has outlived TEMPLATE_CONTEXT_TTL_MS at `now`. */
export function templateContextStale(template: State['template'], now: number): boolean {
  return template.at !== null && now - template.at > TEMPLATE_CONTEXT_TTL_MS;
}

const EXPECTING_BY_TEMPLATE: Record<string, State['template']['expecting']> = {
  confirmar_presenca: 'presence',
  pedir_sinais_vitais: 'vitals',
  pedir_nota_clinica: 'clinical_note',
  finalizar_plantao: 'finalization',
};

/**
 * Records an outbound template (mutates `state`) and, for the four known ones, sets what the next
 * message is expected to answer. Other templates are recorded without changing the flow.
 * Produces no reply: the template itself was the message.
 */
export function applyTemplate(state: State, template: string, metadata: Record<string, unknown>, at: number): void {
  state.template.last = template;
  state.template.at = at;
  const expecting = EXPECTING_BY_TEMPLATE[template];
  if (expecting === undefined) return;
  state.template.expecting = expecting;
  const hint = metadata.hint_campos_faltantes;
  state.template.missingVitals =
    expecting === 'vitals' && Array.isArray(hint)
      ? hint.filter((f): f is string => typeof f === 'string' && (VITAL_FIELDS as readonly string[]).includes(f))
      : [];
}

import type { Flow, PendingHandlers, ResultHandler } from '../flow.js';
import type { FlowName, PendingKind } from '../state.js';
import { auxiliar } from './auxiliar.js';
import { clinico } from './clinico.js';
import { escala } from './escala.js';
import { finalizar } from './finalizar.js';
import { foraEscala } from './fora-escala.js';
import { operacional } from './operacional.js';

/** The router's tables of contents: every flow by name, its confirmations by kind, its calls by purpose. */

export const FLOWS: Record<FlowName, Flow> = {
  escala,
  clinico,
  operacional,
  finalizar,
  fora_escala: foraEscala,
  auxiliar,
};

/** Who answers each open confirmation (checked complete by the type). */
export const PENDING_HANDLERS: Record<PendingKind, PendingHandlers> = {
  ...escala.pendingHandlers,
  ...clinico.pendingHandlers,
  ...finalizar.pendingHandlers,
  ...foraEscala.pendingHandlers,
};

/** Who continues after each flow's own calls (bootstrap and execute belong to the router). */
export const FLOW_RESULT_HANDLERS: Record<'op' | 'notes' | 'presenceDirect', ResultHandler> = {
  ...operacional.resultHandlers,
  ...finalizar.resultHandlers,
  ...escala.resultHandlers,
};

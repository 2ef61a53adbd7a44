/**
 * A legacy GraphState as the engine's state (validated by its schema), plus the staged action it
 * carried. Pure. What the caregiver already sent (collected vitals, the note, vitals kept while
 * presence was unconfirmed, the flow they were diverted from) is kept, so nothing is retyped; what
 * the backend is the source of (names, shift times, the finish reminder) is left for the engine's
 * first bootstrap after the import.
 */
import { VITAL_FIELDS, type Vitals } from '../contracts/understanding.js';
import { createInitialState, stateSchema, type State } from '../graph/state.js';
import { issues, type LegacyCheckpoint } from './decode.js';
import { legacyTime, type LegacyState, type LegacyVitals } from './legacy.js';
import { mapLegacyAction, type ActionSkipReason, type StagedLegacyAction } from './map-action.js';

export interface MappedSession {
  sessionId: string;
  state: State;
  /** The staged confirmation (its id is the one in `state.pending`). */
  action: (StagedLegacyAction & { actionId: string }) | null;
  /** Why the legacy action was not staged, when it was not. */
  actionSkipped: { reason: ActionSkipReason; detail: string } | null;
  /** When the legacy service wrote the checkpoint, epoch ms. */
  writtenAt: number;
}

export type MapResult = { ok: true; session: MappedSession } | { ok: false; reason: 'engine_schema'; detail: string };

export interface MapContext {
  now: number;
  /** A new action id (ULID) for a time. */
  newActionId(at: number): string;
}

/** The diverted flow the engine resumes. */
type Resume = NonNullable<State['resume']>;

const RESUME_FLOW: Record<string, Resume['flow']> = {
  clinical: 'clinico',
  clinico: 'clinico',
  sinais_vitais: 'clinico',
  notas: 'clinico',
  finalizar: 'finalizar',
};
const TEMPLATE_EXPECTING: Record<string, State['template']['expecting']> = {
  confirmar_presenca: 'presence',
  pedir_sinais_vitais: 'vitals',
  pedir_nota_clinica: 'clinical_note',
  finalizar_plantao: 'finalization',
};

/** Pure: the engine state of `sessionId` from its newest legacy checkpoint, at `ctx.now`. */
export function mapCheckpoint(sessionId: string, checkpoint: LegacyCheckpoint, ctx: MapContext): MapResult {
  const legacy = checkpoint.state;
  const { core } = legacy;
  const meta = legacy.metadados ?? {};
  const at = checkpoint.writtenAt;
  // E.164 from the key: the same phone the legacy thread id was made from.
  const state = createInitialState(sessionId, `+${sessionId}`);

  // Presence as the legacy router decided it (V-DYN §3.2).
  const confirmed = meta.presenca_confirmada === true || (core.turno_permitido === true && core.turno_iniciado === true && core.cancelado !== true);
  const scheduleID = core.schedule_id;
  state.shift = {
    ...state.shift,
    caregiverID: core.caregiver_id,
    scheduleID,
    reportID: core.report_id,
    reportDate: core.data_relatorio ?? null,
    patientID: core.patient_id,
    company: core.empresa ?? null,
    cooperative: core.cooperativa ?? null,
    response: core.cancelado ? 'cancelado' : confirmed ? 'confirmado' : scheduleID ? 'aguardando resposta' : null,
    // A missing flag on a known shift means allowed, as the engine reads the backend.
    shiftAllow: core.turno_permitido ?? Boolean(scheduleID),
  };
  state.outcome.presenceConfirmedAt = confirmed ? at : null;
  state.outcome.cancelledAt = core.cancelado ? at : null;
  if (meta.plantao_finalizado === true) {
    const finishedAt = legacyTime(meta.data_finalizacao);
    state.outcome.finalizedAt = Number.isFinite(finishedAt) ? finishedAt : at;
    state.outcome.lastClosedScheduleID = scheduleID;
  }

  const collected = vitalsOf(legacy.vitais?.processados);
  const buffered = vitalsOf(legacy.aux?.buffers?.vitals);
  state.clinical.vitals = confirmed ? { ...collected, ...buffered } : collected;
  state.clinical.note = legacy.nota?.texto_bruto?.trim() || null;
  state.clinical.firstAssessmentDone = meta.sinais_vitais_realizados === true;
  state.resume = resumeOf(legacy, confirmed ? {} : buffered, at);
  state.template = templateOf(meta, legacy.vitais?.faltantes);

  let action: MappedSession['action'] = null;
  let actionSkipped: MappedSession['actionSkipped'] = null;
  const legacyAction = legacy.aux?.acao_pendente;
  if (legacyAction) {
    const mapped = mapLegacyAction(legacyAction, state.shift, ctx.now);
    if (mapped.outcome === 'staged') {
      const { kind, description, call, expiresAt } = mapped.action;
      action = { ...mapped.action, actionId: ctx.newActionId(mapped.action.createdAt) };
      state.pending = { actionId: action.actionId, kind, description, call, expiresAt, ...(kind === 'escala.cancel' ? { secondConfirmation: true } : {}) };
    } else if (mapped.outcome === 'skipped') {
      actionSkipped = { reason: mapped.reason, detail: mapped.detail };
    }
  }

  const valid = stateSchema.safeParse(state);
  if (!valid.success) return { ok: false, reason: 'engine_schema', detail: issues(valid.error) };
  return { ok: true, session: { sessionId, state: valid.data, action, actionSkipped, writtenAt: at } };
}

/** Legacy vitals as engine vitals: nulls dropped, "120/80" read as "120x80"; values are checked by the state schema. */
function vitalsOf(legacy: LegacyVitals | null | undefined): Vitals {
  const { PA, FC, FR, Sat, Temp } = legacy ?? {};
  const out: Vitals = {};
  if (PA) out.PA = PA.replace(/\s+/g, '').replace('/', 'x').toLowerCase();
  if (typeof FC === 'number') out.FC = FC;
  if (typeof FR === 'number') out.FR = FR;
  if (typeof Sat === 'number') out.Sat = Sat;
  if (typeof Temp === 'number') out.Temp = Temp;
  return out;
}

/**
 * The diverted flow to resume: the legacy marker (`aux.retomar_apos`) when it names a flow the
 * engine resumes, or — vitals kept while presence was unconfirmed — the clinical flow after presence.
 */
function resumeOf(legacy: LegacyState, kept: Vitals, at: number): Resume | null {
  const marker = legacy.aux?.retomar_apos;
  const flow = marker?.flow ? RESUME_FLOW[marker.flow] : undefined;
  const hasKept = Object.keys(kept).length > 0;
  if (!flow && !hasKept) return null;
  const reason: Resume['reason'] = /vital|avalia/i.test(marker?.reason ?? '') ? 'first_assessment_required' : 'presence_required';
  const since = legacyTime(marker?.ts ?? undefined);
  return {
    flow: flow ?? 'clinico',
    reason,
    payload: { vitals: kept, respiratoryCondition: null, clinicalNote: null, topics: {}, intent: flow === 'finalizar' ? 'finalizar' : 'clinico' },
    createdAt: Number.isFinite(since) ? since : at,
  };
}

/** The last outbound template and what it expects (the engine's template context). */
function templateOf(meta: Record<string, unknown>, missing: string[] | null | undefined): State['template'] {
  const last = typeof meta.last_template === 'string' ? meta.last_template : null;
  const firedAt = legacyTime(meta.template_fired_at);
  const expecting = (last && TEMPLATE_EXPECTING[last]) || null;
  const hint = (meta.template_metadata as { hint_campos_faltantes?: unknown } | undefined)?.hint_campos_faltantes;
  const fields = (Array.isArray(hint) ? hint : (missing ?? [])).filter((f): f is string => (VITAL_FIELDS as readonly unknown[]).includes(f));
  return { last, at: last && Number.isFinite(firedAt) ? firedAt : null, expecting, missingVitals: expecting === 'vitals' ? fields : [] };
}

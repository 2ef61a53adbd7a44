/**
 * The legacy pending action (`aux.acao_pendente`) as one of our staged confirmations: exactly the
 * legacy payload, expressed in the backend contract it was meant for, with the window it had left.
 * A legacy action the caregiver confirmed but that never ran is staged again and asked again; it is
 * never executed on the strength of the old "sim".
 */
import { BACKEND_CONTRACTS, type BackendCall, type BackendOperation } from '../contracts/backends.js';
import type { PendingKind, Shift } from '../graph/state.js';
import { legacyTime, legacyVitalsSchema, type LegacyAction } from './legacy.js';

/** An action that becomes a staged confirmation. */
export interface StagedLegacyAction {
  kind: PendingKind;
  call: BackendCall;
  description: string;
  /** The legacy confirmation deadline, epoch ms (always after `now`). */
  expiresAt: number;
  createdAt: number;
  /** The caregiver had said "sim" but the call may not have run: ask again. */
  reconfirm: boolean;
}

export type ActionSkipReason = 'action_expired' | 'action_unmappable';

export type MappedAction =
  { outcome: 'staged'; action: StagedLegacyAction } | { outcome: 'closed' } | { outcome: 'skipped'; reason: ActionSkipReason; detail: string };

/** Said before the question of an action confirmed in the legacy service whose call may not have run. */
export const RECONFIRM_PREFIX = 'Antes da troca de sistema você respondeu *sim*, mas não consigo garantir que foi registrado.';

const DEFAULT_QUESTION: Record<PendingKind, string> = {
  'escala.confirm': 'Confirma sua presença no plantão?',
  'escala.cancel': 'Confirma o cancelamento do plantão?',
  'clinico.save': 'Confirma para salvar os dados clínicos?',
  'clinico.note': 'Confirma para salvar a nota?',
  'finalizar.summary': 'Confirma a finalização do plantão?',
  'substituto.create': 'Confirma a criação da nova escala?',
};

type ShiftIds = Pick<Shift, 'scheduleID' | 'reportID' | 'reportDate' | 'caregiverID' | 'patientID'>;

/** Pure: the legacy action at `now` against the session's shift ids. */
export function mapLegacyAction(action: LegacyAction, shift: ShiftIds, now: number): MappedAction {
  // Executed or refused in the legacy service: nothing is left to confirm.
  if (action.executado || action.cancelado) return { outcome: 'closed' };
  const expiresAt = legacyTime(action.expira_em);
  if (!Number.isFinite(expiresAt)) return { outcome: 'skipped', reason: 'action_unmappable', detail: 'expira_em is not a time' };
  if (expiresAt <= now) return { outcome: 'skipped', reason: 'action_expired', detail: `${action.fluxo_destino} expired ${new Date(expiresAt).toISOString()}` };
  const target = callFor(action.fluxo_destino, action.payload ?? {}, shift);
  if ('error' in target) return { outcome: 'skipped', reason: 'action_unmappable', detail: `${action.fluxo_destino}: ${target.error}` };
  const contract = BACKEND_CONTRACTS[target.operation].request.safeParse(target.request);
  if (!contract.success)
    return { outcome: 'skipped', reason: 'action_unmappable', detail: `${action.fluxo_destino}: the payload breaks the ${target.operation} contract` };
  const reconfirm = action.confirmado === true;
  const question = action.descricao?.trim() || DEFAULT_QUESTION[target.kind];
  const createdAt = legacyTime(action.criado_em ?? undefined);
  return {
    outcome: 'staged',
    action: {
      kind: target.kind,
      // The request was parsed by the operation's own contract just above.
      call: { operation: target.operation, request: contract.data } as BackendCall,
      description: reconfirm ? `${RECONFIRM_PREFIX}\n${question}\nResponda *sim* para confirmar de novo ou *não* para cancelar.` : question,
      expiresAt,
      createdAt: Number.isFinite(createdAt) ? createdAt : now,
      reconfirm,
    },
  };
}

/** The call a legacy target stands for, its request still to be checked against the contract. */
type Target = { kind: PendingKind; operation: BackendOperation; request: unknown } | { error: string };

/** Pure: the backend call a legacy commit target stands for, from its payload shape (legacy-redis.md). */
function callFor(target: string, payload: Record<string, unknown>, shift: ShiftIds): Target {
  switch (target) {
    case 'escala_commit': {
      const responseValue = payload.responseValue;
      const kind = responseValue === 'cancelado' ? 'escala.cancel' : 'escala.confirm';
      return { kind, operation: 'updateWorkScheduleResponse', request: { scheduleID: idText(payload.scheduleIdentifier), responseValue } };
    }
    case 'clinical_commit': {
      const vitais = legacyVitalsSchema.safeParse(payload.vitais ?? {});
      if (!vitais.success) return { error: 'the vitals are not numbers' };
      const { PA, FC, FR, Sat, Temp } = vitais.data;
      const note = typeof payload.nota === 'string' && payload.nota.trim() ? payload.nota.trim() : undefined;
      const oxygen = typeof payload.supplementaryOxygen === 'string' ? payload.supplementaryOxygen : undefined;
      return clinicalCall('clinico.save', shift, {
        bloodPressure: PA ?? undefined,
        heartRate: FC ?? undefined,
        respRate: FR ?? undefined,
        saturationO2: Sat ?? undefined,
        temperature: Temp ?? undefined,
        supplementaryOxygen: oxygen,
        clinicalNote: note,
      });
    }
    case 'notas_commit': {
      if (typeof payload.nota !== 'string' || !payload.nota.trim()) return { error: 'no note text' };
      return clinicalCall('clinico.note', shift, { clinicalNote: payload.nota.trim() });
    }
    case 'finalizar_commit':
      // Only a payload that already carries the report fields of the summary contract is kept.
      return { kind: 'finalizar.summary', operation: 'updatereportsummaryad', request: payload };
    default:
      return { error: 'unknown target' };
  }
}

function clinicalCall(kind: PendingKind, shift: ShiftIds, fields: Record<string, unknown>): Target {
  const { reportID, reportDate, scheduleID, caregiverID, patientID } = shift;
  if (!reportID || !reportDate || !scheduleID || !caregiverID || !patientID) return { error: 'the shift ids are unknown' };
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== null));
  return {
    kind,
    operation: 'updateClinicalData',
    request: { reportID, reportDate, scheduleID, caregiverIdentifier: caregiverID, patientIdentifier: patientID, ...defined },
  };
}

const idText = (value: unknown) => (typeof value === 'number' ? String(value) : value);

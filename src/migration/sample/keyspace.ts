/**
 * A realistic legacy keyspace, as the Redis orchestrator left it minutes before a cut-over: the
 * demo caregivers mid-conversation (a presence confirmation waiting for "sim" with vitals kept,
 * collected vitals confirmed but never saved, an expired action), older checkpoints of the other
 * family, recent deliveries, a call cache, and the bad values a real keyspace has. Pure.
 */
import { pickle, type Picklable } from './pickle.js';

export interface SampleKey {
  key: string;
  value: Buffer | string;
  /** Remaining TTL, ms. */
  ttlMs: number;
}

/** Shift ids as the backend gave them to the legacy service (getScheduleStarted). */
export interface ShiftIds {
  caregiverID: string | null;
  scheduleID: string | null;
  reportID: string | null;
  reportDate: string | null;
  patientID: string | null;
  company: string | null;
}

export const SAMPLE_PHONES = { ana: '5511999990001', bruno: '5511999990002', carla: '5511999990003' } as const;

const MINUTE = 60_000;

/** Pure: a V-DYN GraphState dict, every block present as the Pydantic model dumped it. */
export function legacyGraphState(
  phone: string,
  shift: ShiftIds | null,
  parts: { core?: Record<string, Picklable>; [block: string]: Picklable | undefined } = {},
): Record<string, Picklable> {
  const { core, ...rest } = parts;
  return {
    core: {
      session_id: `session_${phone}`,
      numero_telefone: `+${phone}`,
      caregiver_id: shift?.caregiverID ?? null,
      schedule_id: shift?.scheduleID ?? null,
      patient_id: shift?.patientID ?? null,
      report_id: shift?.reportID ?? null,
      data_relatorio: shift?.reportDate ?? null,
      turno_permitido: Boolean(shift?.scheduleID),
      turno_iniciado: false,
      empresa: shift?.company ?? null,
      cooperativa: shift?.company ?? null,
      cancelado: false,
      ...core,
    },
    vitais: { processados: {}, faltantes: ['PA', 'FC', 'FR', 'Sat', 'Temp'] },
    nota: { texto_bruto: null, sintomas_rag: [] },
    router: { intencao: null, ultimo_fluxo: null },
    aux: { retomar_apos: null, ultima_pergunta: null, fluxo_que_perguntou: null, buffers: {}, acao_pendente: null },
    texto_usuario: null,
    metadados: {},
    resposta_usuario: null,
    proximo_no: null,
    terminar_fluxo: false,
    continuar_fluxo: false,
    version: 3,
    ...rest,
  };
}

/** Pure: `aux.acao_pendente` created `ageMs` ago with the legacy 10-minute window. */
export function legacyAction(
  now: number,
  ageMs: number,
  fields: { fluxo_destino: string; payload: Picklable; descricao: string; confirmado?: boolean },
): Record<string, Picklable> {
  const created = now - ageMs;
  return {
    action_id: `legacy-${created.toString(36)}`,
    criado_em: saoPauloIso(created),
    expira_em: saoPauloIso(created + 10 * MINUTE),
    confirmado: false,
    executado: false,
    cancelado: false,
    status: fields.confirmado ? 'confirmed' : 'staged',
    ...fields,
  };
}

/** Pure: the pickled checkpoint envelope (`checkpoint:session_<digits>`). */
export const pickledCheckpoint = (state: Picklable, writtenAt: number, metadata = 'checkpoint') =>
  pickle({ checkpoint: state, metadata, timestamp: writtenAt / 1000 });

/** Pure: the JSON checkpoint envelope (`langgraph:checkpoint:<session>:current`). */
export const jsonCheckpoint = (phone: string, state: Picklable, writtenAt: number) =>
  JSON.stringify({
    state,
    checkpoint_id: String(writtenAt),
    session_id: `session_${phone}`,
    timestamp: saoPauloIso(writtenAt).replace('-03:00', ''),
    version: '1.0',
  });

/** Pure: ISO time in São Paulo (UTC−3) with its offset, as Python's isoformat writes it. */
function saoPauloIso(ms: number): string {
  return `${new Date(ms - 3 * 3_600_000).toISOString().slice(0, 23)}-03:00`;
}

/** Pure: the sample keyspace at `now`, with the demo caregivers' shifts (null: no shift today). */
export function sampleKeyspace(now: number, shifts: Record<keyof typeof SAMPLE_PHONES, ShiftIds | null>): SampleKey[] {
  const { ana, bruno, carla } = SAMPLE_PHONES;
  const keys: SampleKey[] = [];
  const pickleKey = (phone: string) => `checkpoint:session_${phone}`;
  const jsonKey = (phone: string) => `langgraph:checkpoint:session_${phone}:current`;

  // Ana: asked to confirm presence 2 minutes ago, and already sent two vitals (kept until presence is confirmed).
  const anaShift = shifts.ana;
  const anaState = legacyGraphState(ana, anaShift, {
    aux: {
      retomar_apos: { flow: 'clinical', reason: 'need_presence_first', ts: saoPauloIso(now - 2 * MINUTE) },
      ultima_pergunta: 'Confirma sua presença?',
      fluxo_que_perguntou: 'escala',
      buffers: { vitals: { PA: '120x80', FC: 78 } },
      acao_pendente: legacyAction(now, 2 * MINUTE, {
        fluxo_destino: 'escala_commit',
        payload: { scheduleIdentifier: anaShift?.scheduleID ?? null, responseValue: 'confirmado' },
        descricao: 'Confirmar presença no plantão de hoje para o paciente José?',
      }),
    },
    router: { intencao: 'sinais_vitais', ultimo_fluxo: 'escala' },
    metadados: { last_template: 'confirmar_presenca', template_fired_at: new Date(now - 20 * MINUTE).toISOString() },
  });
  keys.push({ key: pickleKey(ana), value: pickledCheckpoint(anaState, now - 2 * MINUTE), ttlMs: 58 * MINUTE });
  keys.push({ key: jsonKey(ana), value: jsonCheckpoint(ana, legacyGraphState(ana, anaShift), now - 20 * MINUTE), ttlMs: 23 * 60 * MINUTE });

  // Bruno: presence confirmed, all vitals and a note collected, said "sim" — and the save never ran.
  const brunoVitals = { PA: '130x85', FC: 82, FR: 18, Sat: 96, Temp: 36.9 };
  const brunoNote = 'Paciente consciente e orientado, aceitou bem a dieta.';
  const brunoState = legacyGraphState(bruno, shifts.bruno, {
    core: { turno_iniciado: true },
    vitais: { processados: brunoVitals, faltantes: [] },
    nota: { texto_bruto: brunoNote, sintomas_rag: [] },
    aux: {
      retomar_apos: null,
      buffers: {},
      acao_pendente: legacyAction(now, MINUTE, {
        fluxo_destino: 'clinical_commit',
        payload: { vitais: brunoVitals, nota: brunoNote, sintomas: [] },
        descricao: 'Salvar os seguintes dados clínicos? PA: 130x85, FC: 82 bpm, FR: 18 irpm, Sat: 96%, Temp: 36.9°C',
        confirmado: true,
      }),
    },
    metadados: { presenca_confirmada: true },
  });
  keys.push({ key: jsonKey(bruno), value: jsonCheckpoint(bruno, brunoState, now - MINUTE), ttlMs: 23 * 60 * MINUTE + 59 * MINUTE });
  keys.push({ key: `langgraph:checkpoint:session_${bruno}:${now - MINUTE}`, value: jsonCheckpoint(bruno, brunoState, now - MINUTE), ttlMs: 23 * 60 * MINUTE });
  keys.push({
    key: pickleKey(bruno),
    value: pickledCheckpoint(legacyGraphState(bruno, shifts.bruno, { metadados: { presenca_confirmada: true } }), now - 30 * MINUTE),
    ttlMs: 30 * MINUTE,
  });

  // Carla: no shift today; a note confirmation that expired 5 minutes ago.
  const carlaState = legacyGraphState(carla, shifts.carla, {
    nota: { texto_bruto: 'Paciente dormiu bem.', sintomas_rag: [] },
    aux: {
      acao_pendente: legacyAction(now, 15 * MINUTE, {
        fluxo_destino: 'notas_commit',
        payload: { nota: 'Paciente dormiu bem.', sintomas: [] },
        descricao: 'Salvar a nota?',
      }),
    },
  });
  keys.push({ key: pickleKey(carla), value: pickledCheckpoint(carlaState, now - 15 * MINUTE, 'updated_by_template'), ttlMs: 45 * MINUTE });

  // Another caregiver mid-assessment (three of five vitals), only in the JSON family.
  const other = '5511988880001';
  const otherShift: ShiftIds = {
    caregiverID: 'cg-legacy-1',
    scheduleID: 'sch-legacy-1',
    reportID: 'rep-legacy-1',
    reportDate: '2025-11-23T07:00:00',
    patientID: 'pt-legacy-1',
    company: 'DEMO',
  };
  keys.push({
    key: jsonKey(other),
    value: jsonCheckpoint(
      other,
      legacyGraphState(other, otherShift, {
        vitais: { processados: { PA: '110x70', FC: 70, FR: 16 }, faltantes: ['Sat', 'Temp'] },
        metadados: { presenca_confirmada: true },
      }),
      now - 4 * MINUTE,
    ),
    ttlMs: 22 * 60 * MINUTE,
  });

  // What a real keyspace also has: bad values.
  keys.push({ key: pickleKey('5511988880002'), value: Buffer.from('8004not-a-pickle\x00\xff', 'latin1'), ttlMs: 40 * MINUTE });
  keys.push({
    key: jsonKey('5511988880003'),
    value: JSON.stringify({ state: { core: 'corrompido' }, timestamp: saoPauloIso(now - MINUTE) }),
    ttlMs: 20 * 60 * MINUTE,
  });
  keys.push({ key: jsonKey('5511988880004'), value: '{"state": {"core": {', ttlMs: 20 * 60 * MINUTE });
  keys.push({ key: pickleKey('5511988880005'), value: REDUCE_OS_SYSTEM, ttlMs: 40 * MINUTE });
  keys.push({
    key: pickleKey('5511988880006'),
    value: pickledCheckpoint(
      legacyGraphState('5511988880006', otherShift, { vitais: { processados: { PA: 'alta', FC: 90 }, faltantes: [] } }),
      now - 3 * MINUTE,
    ),
    ttlMs: 57 * MINUTE,
  });

  // Deliveries of the last minutes: answered ones, and one still being processed at the cut-over.
  for (let i = 1; i <= 3; i++)
    keys.push({
      key: `msg:wamid.LEGACY${String(i).padStart(4, '0')}`,
      value: JSON.stringify({ status: 'ok', session_id: `session_${ana}` }),
      ttlMs: (10 - 2 * i) * MINUTE,
    });
  keys.push({ key: 'msg:wamid.LEGACY0009', value: 'processing', ttlMs: 9 * MINUTE });
  keys.push({ key: 'cache:9b2f1c0e5d', value: JSON.stringify({ cached: true }), ttlMs: 4 * MINUTE });
  return keys;
}

/** A pickle that would call os.system("echo pwned") if it were executed: it must be refused, unread. */
const REDUCE_OS_SYSTEM = Buffer.concat([
  Buffer.from([0x80, 0x04, 0x8c, 2]),
  Buffer.from('os'),
  Buffer.from([0x8c, 6]),
  Buffer.from('system'),
  Buffer.from([0x93, 0x8c, 10]),
  Buffer.from('echo pwned'),
  Buffer.from([0x85, 0x52, 0x2e]),
]);

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../src/kernel/clock.js';
import { decodeJsonCheckpoint, decodePickleCheckpoint, type LegacyCheckpoint } from '../../src/migration/decode.js';
import { legacyTime } from '../../src/migration/legacy.js';
import { RECONFIRM_PREFIX } from '../../src/migration/map-action.js';
import { mapCheckpoint, type MappedSession } from '../../src/migration/map-state.js';
import { jsonCheckpoint, legacyAction, legacyGraphState, pickledCheckpoint, sampleKeyspace, type ShiftIds } from '../../src/migration/sample/keyspace.js';
import { pickle, type Picklable } from '../../src/migration/sample/pickle.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/migration/legacy-pickles.json', import.meta.url), 'utf8')) as {
  now: string;
  pickles: Record<string, string>;
};
const NOW = Date.parse(fixture.now);
const MINUTE = 60_000;
const ANA = '5511999990001';
const SHIFT: ShiftIds = { caregiverID: 'cg-1', scheduleID: 'sch-1', reportID: 'rep-1', reportDate: '2026-11-23T08:00:00', patientID: 'pt-1', company: 'ACME' };

function decoded(bytes: Buffer): LegacyCheckpoint {
  const result = decodePickleCheckpoint(bytes);
  if (!result.ok) throw new Error(`${result.reason}: ${result.detail}`);
  return result.checkpoint;
}

function mapped(state: Record<string, Picklable>, writtenAt = NOW - MINUTE): MappedSession {
  const result = mapCheckpoint(ANA, decoded(pickledCheckpoint(state, writtenAt)), { now: NOW, newActionId: () => '01KA0000000000000000000000' });
  if (!result.ok) throw new Error(result.detail);
  return result.session;
}

/** The session mapped from a state whose pending legacy action is `action`. */
const mappedWithAction = (action: Record<string, Picklable>, shift: ShiftIds | null = SHIFT) =>
  mapped(legacyGraphState(ANA, shift, { aux: { acao_pendente: action } }));
/** A legacy presence confirmation (escala_commit) created `ageMs` before NOW. */
const presenceAction = (ageMs: number, descricao: string) =>
  legacyAction(NOW, ageMs, { fluxo_destino: 'escala_commit', payload: { scheduleIdentifier: 'sch-1', responseValue: 'confirmado' }, descricao });

const fromCPython = (key: string) => Buffer.from(fixture.pickles[key], 'base64');

describe('reading legacy checkpoints', () => {
  it('when a checkpoint pickled by CPython is read, then its GraphState and its float timestamp come back', () => {
    const checkpoint = decoded(fromCPython(`checkpoint:session_${ANA}`));
    expect(checkpoint.format).toBe('pickle');
    expect(checkpoint.writtenAt).toBe(NOW - 2 * MINUTE);
    expect(checkpoint.state.core.schedule_id).toBe('sch-ana-fx');
    expect(checkpoint.state.aux?.buffers?.vitals).toMatchObject({ PA: '120x80', FC: 78 });
  });

  it('when the pickled timestamp has microseconds (time.time()), then writtenAt is whole milliseconds, as ids and sort keys need', () => {
    const checkpoint = decoded(pickle({ checkpoint: legacyGraphState(ANA, SHIFT), metadata: 'checkpoint', timestamp: 1763899080.123456 }));
    expect(checkpoint.writtenAt).toBe(1763899080123);
  });

  it('when a pickle names a Python callable (os.system), then it is refused unread, never executed', () => {
    const reduce = sampleKeyspace(NOW, { ana: SHIFT, bruno: SHIFT, carla: null }).find((k) => k.key === 'checkpoint:session_5511988880005')!;
    expect(decodePickleCheckpoint(reduce.value as Buffer)).toMatchObject({ ok: false, reason: 'pickle_refers_to_code', detail: 'names os.system' });
  });

  it('when a value is not a pickle, then it is unreadable_pickle', () => {
    expect(decodePickleCheckpoint(Buffer.from('{"state":{}}'))).toMatchObject({ ok: false, reason: 'unreadable_pickle' });
  });

  it('when a pickle holds something other than a checkpoint envelope, then it is not_a_checkpoint', () => {
    expect(decodePickleCheckpoint(pickle({ hello: 'world' }))).toMatchObject({ ok: false, reason: 'not_a_checkpoint' });
  });

  it('when a JSON checkpoint has a São Paulo time without offset, then it is read as UTC−3; without any, checkpoint_id is used', () => {
    const json = decodeJsonCheckpoint(JSON.stringify({ state: legacyGraphState(ANA, SHIFT), timestamp: '2026-11-23T09:00:00.123456', checkpoint_id: '1' }));
    expect(json.ok && json.checkpoint.writtenAt).toBe(Date.parse('2026-11-23T12:00:00.123Z'));
    const byId = decodeJsonCheckpoint(JSON.stringify({ state: legacyGraphState(ANA, SHIFT), checkpoint_id: String(NOW) }));
    expect(byId.ok && byId.checkpoint.writtenAt).toBe(NOW);
    expect(legacyTime('2026-11-23T09:00:00-03:00')).toBe(Date.parse('2026-11-23T12:00:00Z'));
  });

  it('when the legacy state has the wrong shape, then it is legacy_schema with the path, not the values', () => {
    const result = decodeJsonCheckpoint(JSON.stringify({ state: { core: { turno_permitido: 'sim, 5511999990001' } }, timestamp: '2026-11-23T09:00:00' }));
    expect(result).toMatchObject({ ok: false, reason: 'legacy_schema' });
    expect(JSON.stringify(result)).not.toContain('5511999990001');
  });

  it('when our sample pickle writer encodes a checkpoint, then CPython loads exactly the same value', () => {
    const value = {
      checkpoint: legacyGraphState(ANA, SHIFT, { vitais: { processados: { PA: '120x80', FC: 78, Temp: 36.8 } }, big: 2 ** 40, neg: -(2 ** 40), ok: true }),
      timestamp: 1763899200.25,
    };
    const loaded = execFileSync('python3', ['-c', 'import pickle,sys,json; print(json.dumps(pickle.loads(sys.stdin.buffer.read()), sort_keys=True))'], {
      input: pickle(value),
    });
    expect(JSON.parse(loaded.toString())).toEqual(JSON.parse(JSON.stringify(value)));
  });
});

describe('mapping a legacy state into the engine state', () => {
  it('when the shift ids and presence are known, then they become the shift block; names and times are left to the first bootstrap', () => {
    const session = mapped(legacyGraphState(ANA, SHIFT, { metadados: { presenca_confirmada: true } }));
    expect(session.state.sessionId).toBe(ANA);
    expect(session.state.phone).toBe(`+${ANA}`);
    expect(session.state.shift).toMatchObject({
      caregiverID: 'cg-1',
      scheduleID: 'sch-1',
      reportID: 'rep-1',
      reportDate: '2026-11-23T08:00:00',
      patientID: 'pt-1',
      response: 'confirmado',
      shiftAllow: true,
      bootstrappedAt: null,
    });
    expect(session.state.outcome.presenceConfirmedAt).toBe(NOW - MINUTE);
  });

  it('when turno_permitido and turno_iniciado are set and the shift is not cancelled, then presence is confirmed (legacy rule R2)', () => {
    expect(mapped(legacyGraphState(ANA, SHIFT, { core: { turno_iniciado: true } })).state.shift.response).toBe('confirmado');
    expect(mapped(legacyGraphState(ANA, SHIFT, { core: { turno_iniciado: true, cancelado: true } })).state.shift.response).toBe('cancelado');
    expect(mapped(legacyGraphState(ANA, SHIFT)).state.shift.response).toBe('aguardando resposta');
  });

  it('when vitals and a note were collected on a confirmed shift, then they are the clinical block, so nothing is retyped', () => {
    const session = mapped(
      legacyGraphState(ANA, SHIFT, {
        metadados: { presenca_confirmada: true, sinais_vitais_realizados: true },
        vitais: { processados: { PA: '120/80', FC: '78', FR: 18, Sat: null, Temp: 36.8 }, faltantes: ['Sat'] },
        nota: { texto_bruto: ' Paciente orientado. ', sintomas_rag: [] },
      }),
    );
    expect(session.state.clinical).toEqual({
      vitals: { PA: '120x80', FC: 78, FR: 18, Temp: 36.8 },
      respiratoryCondition: null,
      note: 'Paciente orientado.',
      firstAssessmentDone: true,
    });
  });

  it('when vitals were kept while presence was unconfirmed, then the clinical flow resumes with them after presence', () => {
    const session = mapped(
      legacyGraphState(ANA, SHIFT, {
        aux: { retomar_apos: { flow: 'clinical', reason: 'need_presence_first', ts: NOW - 3 * MINUTE }, buffers: { vitals: { PA: '120x80', FC: 78 } } },
      }),
    );
    expect(session.state.resume).toEqual({
      flow: 'clinico',
      reason: 'presence_required',
      payload: { vitals: { PA: '120x80', FC: 78 }, respiratoryCondition: null, clinicalNote: null, topics: {}, intent: 'clinico' },
      createdAt: NOW - 3 * MINUTE,
    });
  });

  it('when the last template was confirmar_presenca, then the next message is read as its answer', () => {
    const session = mapped(legacyGraphState(ANA, SHIFT, { metadados: { last_template: 'confirmar_presenca', template_fired_at: '2026-11-23T11:50:00Z' } }));
    expect(session.state.template).toEqual({ last: 'confirmar_presenca', at: Date.parse('2026-11-23T11:50:00Z'), expecting: 'presence', missingVitals: [] });
  });

  it('when a presence confirmation waits for "sim", then it is staged with exactly the legacy payload and the window it had left', () => {
    const session = mappedWithAction(presenceAction(2 * MINUTE, 'Confirma presença?'));
    expect(session.action).toMatchObject({
      actionId: '01KA0000000000000000000000',
      kind: 'escala.confirm',
      call: { operation: 'updateWorkScheduleResponse', request: { scheduleID: 'sch-1', responseValue: 'confirmado' } },
      description: 'Confirma presença?',
      expiresAt: NOW + 8 * MINUTE,
      reconfirm: false,
    });
    expect(session.state.pending).toEqual({
      actionId: session.action!.actionId,
      kind: 'escala.confirm',
      description: 'Confirma presença?',
      call: session.action!.call,
      expiresAt: NOW + 8 * MINUTE,
    });
  });

  it('when the caregiver had confirmed but the call never ran, then the action is staged again and the question asks again', () => {
    const vitais = { PA: '130x85', FC: 82, FR: 18, Sat: 96, Temp: 36.9 };
    const session = mappedWithAction(
      legacyAction(NOW, MINUTE, { fluxo_destino: 'clinical_commit', payload: { vitais, nota: 'Bem.' }, descricao: 'Salvar?', confirmado: true }),
    );
    expect(session.action).toMatchObject({ kind: 'clinico.save', reconfirm: true });
    expect(session.action!.call.request).toEqual({
      reportID: 'rep-1',
      reportDate: '2026-11-23T08:00:00',
      scheduleID: 'sch-1',
      caregiverIdentifier: 'cg-1',
      patientIdentifier: 'pt-1',
      bloodPressure: '130x85',
      heartRate: 82,
      respRate: 18,
      saturationO2: 96,
      temperature: 36.9,
      clinicalNote: 'Bem.',
    });
    expect(session.state.pending!.description).toBe(`${RECONFIRM_PREFIX}\nSalvar?\nResponda *sim* para confirmar de novo ou *não* para cancelar.`);
  });

  it('when the legacy action expired, then the session is mapped without it and the skip is reported', () => {
    const session = mappedWithAction(presenceAction(11 * MINUTE, 'x'));
    expect(session.state.pending).toBeNull();
    expect(session.actionSkipped).toMatchObject({ reason: 'action_expired' });
  });

  it('when the legacy action was executed or cancelled, then nothing is staged and nothing is reported', () => {
    for (const flag of ['executado', 'cancelado'] as const) {
      const session = mappedWithAction({ ...presenceAction(MINUTE, 'x'), [flag]: true });
      expect([session.action, session.actionSkipped]).toEqual([null, null]);
    }
  });

  it('when a clinical action has no shift ids, or a finalization carries the old report shape, then it is not staged (action_unmappable)', () => {
    const clinical = mappedWithAction(legacyAction(NOW, MINUTE, { fluxo_destino: 'clinical_commit', payload: { vitais: { FC: 80 } }, descricao: 'x' }), null);
    expect(clinical.actionSkipped).toMatchObject({ reason: 'action_unmappable' });
    const summary = mappedWithAction(
      legacyAction(NOW, MINUTE, { fluxo_destino: 'finalizar_commit', payload: { reportID: 'rep-1', status: 'completed' }, descricao: 'x' }),
    );
    expect(summary.actionSkipped).toMatchObject({ reason: 'action_unmappable' });
  });

  it('when a mapped value breaks the engine schema, then the key is invalid (engine_schema) with the path only', () => {
    const result = mapCheckpoint(ANA, decoded(pickledCheckpoint(legacyGraphState(ANA, SHIFT, { vitais: { processados: { PA: 'alta' } } }), NOW)), {
      now: NOW,
      newActionId: () => 'x',
    });
    expect(result).toMatchObject({ ok: false, reason: 'engine_schema' });
    expect(!result.ok && result.detail).toContain('clinical.vitals.PA');
  });

  it('when a JSON checkpoint and a pickle are written by the sample, then both decode to the same state', () => {
    const state = legacyGraphState(ANA, SHIFT, { metadados: { presenca_confirmada: true } });
    const clock = createFakeClock(NOW);
    const json = decodeJsonCheckpoint(jsonCheckpoint(ANA, state, clock.now()));
    expect(json.ok && json.checkpoint.state).toEqual(decoded(pickledCheckpoint(state, clock.now())).state);
    expect(json.ok && json.checkpoint.writtenAt).toBe(NOW);
  });
});

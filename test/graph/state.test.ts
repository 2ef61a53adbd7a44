import { describe, expect, it } from 'vitest';
import type { EngineContext } from '../../src/contracts/engine.js';
import { createEngine } from '../../src/graph/engine.js';
import { RESULT_CODES } from '../../src/graph/result-codes.js';
import { parseSubstitutes } from '../../src/graph/shift.js';
import { isRefusal, matchSubstitute } from '../../src/graph/substitutes.js';
import { confirmed, createHarness, FULL_VITALS, PENDING_TTL_MS, RESUME_TTL_MS, scheduleBody, SUBSTITUTES, T0, u, YES } from './harness.js';

const engine = createEngine();
function ctxWithIds(): EngineContext {
  let n = 0;
  return { now: T0 + 60_000, newId: () => `fixed${++n}`, pendingActionTtlMs: PENDING_TTL_MS, resumeTtlMs: RESUME_TTL_MS, buttons: false };
}
const message = (text: string) => ({
  provider: 'ingest' as const,
  messageId: 'm1',
  sessionId: '5511999990001',
  phone: '+5511999990001',
  text,
  type: 'text',
  timestamp: T0,
});

describe('state schema and rehydration', () => {
  it('when a mid-conversation state goes through JSON and the schema, then decide returns the same decision', () => {
    const h = createHarness();
    h.send('PA 120x80', u({ vitals: { PA: '120x80' } }));
    const live = h.state();
    const rehydrated = engine.stateSchema.parse(JSON.parse(JSON.stringify(live)));
    const event = { type: 'message' as const, message: message('sim'), understanding: YES };
    expect(engine.decide(rehydrated, event, ctxWithIds())).toEqual(engine.decide(live, event, ctxWithIds()));
  });

  it('when a state with an open pending action is restored, then restoring alone emits nothing and the action is not replayed', () => {
    const h = confirmed(createHarness());
    h.send('dados', u({ vitals: FULL_VITALS, respiratoryCondition: 'Ar ambiente', clinicalNote: 'ok' }));
    const restored = engine.stateSchema.parse(JSON.parse(JSON.stringify(h.state())));
    expect(restored.pending?.kind).toBe('clinico.save');
    expect(engine.expectation(restored, h.now())).toEqual({ expecting: 'yes_no' });
    const d = engine.decide(restored, { type: 'template', template: 'qualquer', metadata: {}, at: T0 }, ctxWithIds());
    expect(d.effects).toEqual([]);
    expect(d.replies).toEqual([]);
  });

  it('when decide runs, then the input state object is not mutated', () => {
    const s = engine.initialState('5511999990001', '+5511999990001');
    const copy = JSON.parse(JSON.stringify(s));
    engine.decide(s, { type: 'message', message: message('oi'), understanding: u() }, ctxWithIds());
    expect(s).toEqual(copy);
  });

  it('when a stored state has another schema version or a malformed pending call, then the schema rejects it', () => {
    const s = JSON.parse(JSON.stringify(engine.initialState('1', '1')));
    expect(engine.stateSchema.safeParse({ ...s, schemaVersion: 2 }).success).toBe(false);
    const bad = {
      ...s,
      pending: { actionId: 'a', kind: 'clinico.save', description: 'x', expiresAt: 1, call: { operation: 'updateClinicalData', request: {} } },
    };
    expect(engine.stateSchema.safeParse(bad).success).toBe(false);
  });

  it('when a call.result does not match the awaited call, then decide throws (a pipeline bug, not a user error)', () => {
    const s = engine.initialState('1', '1');
    expect(() => engine.decide(s, { type: 'call.result', callId: 'nope', ok: true, data: {} }, ctxWithIds())).toThrow(/no turn in progress/);
    const paused = engine.decide(s, { type: 'message', message: message('oi'), understanding: u() }, ctxWithIds());
    expect(paused.effects.map((e) => e.type)).toEqual(['backend.query']);
    expect(() => engine.decide(paused.state, { type: 'call.result', callId: 'nope', ok: true, data: {} }, ctxWithIds())).toThrow(/does not match/);
  });

  it('when the backend returns a new schedule id, then a fresh shift state starts', () => {
    const h = confirmed(createHarness());
    h.send('a', u({ vitals: FULL_VITALS, respiratoryCondition: 'Ar ambiente', clinicalNote: 'ok' }));
    h.send('sim', YES);
    h.send('b', u({ vitals: { PA: '130x90' } }));
    expect(h.state().clinical.firstAssessmentDone).toBe(true);
    h.world.schedule = scheduleBody({ scheduleID: 'sch2', reportID: 'rep2', response: 'aguardando resposta' });
    const r = h.send('oi', u());
    const s = h.state();
    expect(s.shift.scheduleID).toBe('sch2');
    expect(s.clinical).toEqual({ vitals: {}, respiratoryCondition: null, note: null, firstAssessmentDone: false });
    expect(r.text).toMatch(/^Confirma sua presença/);
    expect(s.flows.length).toBeGreaterThan(0);
  });

  it('when the bootstrap fails and no shift is known, then the user is told to retry; with a known shift the turn goes on', () => {
    const h = createHarness();
    h.failNext('getScheduleStarted');
    expect(h.send('oi', u()).text).toBe('Não consegui consultar seu plantão agora. Tente de novo em instantes.');
    confirmed(h);
    h.failNext('getScheduleStarted');
    expect(h.send('PA 120x80', u({ vitals: { PA: '120x80' } })).text).toContain('Anotei PA 120x80');
  });

  it('when expectations are asked, then they follow the conversation', () => {
    const h = createHarness();
    expect(h.expectation()).toEqual({ expecting: 'none' });
    confirmed(h);
    h.send('a', u({ vitals: { PA: '120x80', FC: 70 } }));
    expect(h.expectation()).toEqual({ expecting: 'vitals', missingVitals: ['FR', 'Sat', 'Temp'] });
  });

  it('when bootstrap keys are built, then they are per message and deterministic', () => {
    const h = createHarness();
    h.send('oi', u(), { messageId: 'abc' });
    expect(h.callsOf('getScheduleStarted')[0]).toMatchObject({
      via: 'backend.query',
      idempotencyKey: 'bootstrap:5511999990001:abc',
      call: { request: { phoneNumber: '+5511999990001' } },
    });
  });
});

describe('pure helpers', () => {
  it('when substituteInfo is JSON, escaped JSON or a sentence, then it parses to the list or to none', () => {
    expect(parseSubstitutes(JSON.stringify(SUBSTITUTES))).toEqual([
      { id: 'c2', name: 'Maria Souza' },
      { id: 'c3', name: 'João Lima' },
    ]);
    expect(parseSubstitutes(JSON.stringify(SUBSTITUTES).replace(/"/g, '\\"'))).toHaveLength(2);
    expect(parseSubstitutes('Nao há profissionais substitutos')).toEqual([]);
    expect(parseSubstitutes('')).toEqual([]);
  });

  it('when an answer names a substitute, then number, full name and unique first name match, and refusals need refusal words', () => {
    const list = parseSubstitutes(JSON.stringify([...SUBSTITUTES, { caregiverIdentifier: 'c4', caregiverName: 'Maria Lima' }]));
    expect(matchSubstitute('2', list)?.id).toBe('c3');
    expect(matchSubstitute('o 1', list)?.id).toBe('c2');
    expect(matchSubstitute('Maria Souza', list)?.id).toBe('c2');
    expect(matchSubstitute('maria', list)).toBeNull();
    expect(matchSubstitute('joao', list)?.id).toBe('c3');
    expect(matchSubstitute('9', list)).toBeNull();
    expect(isRefusal('nenhum')).toBe(true);
    expect(isRefusal('não quero')).toBe(true);
    expect(isRefusal('Ana Nunes')).toBe(false);
    expect(isRefusal('sim, o primeiro')).toBe(false);
  });

  it('when result codes are listed, then they are unique', () => {
    expect(new Set(RESULT_CODES).size).toBe(RESULT_CODES.length);
  });
});

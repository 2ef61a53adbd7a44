import { describe, expect, it } from 'vitest';
import { confirmed, createHarness, FULL_VITALS, MINUTE, NO, scheduleBody, u, YES } from './harness.js';

const COMPLETE = u({ vitals: FULL_VITALS, respiratoryCondition: 'Ar ambiente', clinicalNote: 'sem queixas' });

describe('two-phase confirmations', () => {
  it('when the confirmation window passed, then the action expires, the user is told, nothing runs and the question is asked anew', () => {
    const h = createHarness();
    h.send('cheguei', u({ intent: 'escala' }));
    const old = h.state().pending!.actionId;
    h.advance(11 * MINUTE);
    const r = h.send('sim', YES);
    expect(r.effects).toContainEqual({ type: 'pending.expire', actionId: old });
    expect(r.effects.some((e) => e.type === 'pending.execute')).toBe(false);
    expect(r.text).toMatch(/^A confirmação anterior expirou e nada foi salvo\.\nConfirma sua presença/);
    expect(h.count('updateWorkScheduleResponse')).toBe(0);
    expect(h.state().pending!.actionId).not.toBe(old);
  });

  it('when "sim" arrives twice, then the action executes once and the second is told nothing is pending', () => {
    const h = confirmed(createHarness());
    h.send('dados', COMPLETE);
    h.send('sim', YES);
    const second = h.send('sim', YES);
    expect(second.effects.some((e) => e.type === 'pending.execute')).toBe(false);
    expect(second.text).toBe('Não há nada aguardando confirmação agora.');
    expect(h.count('updateClinicalData')).toBe(1);
  });

  it('when a concurrent "sim" runs on the same old state, then the claim fails and nothing is repeated', () => {
    const h = confirmed(createHarness());
    h.send('dados', COMPLETE);
    const before = h.state();
    h.send('sim', YES);
    h.setState(before);
    const late = h.send('sim', YES);
    expect(late.text).toBe('Essa confirmação já tinha sido processada ou expirou; nada foi repetido.');
    expect(late.text).not.toMatch(/salvos/);
    expect(h.count('updateClinicalData')).toBe(1);
    expect(h.state().pending).toBeNull();
  });

  it('when the backend fails on execute, then the user is told the truth and a "sim" retries exactly the same call once', () => {
    const h = confirmed(createHarness());
    h.send('dados', COMPLETE);
    const first = h.state().pending!;
    h.failNext('updateClinicalData');
    const failed = h.send('sim', YES);
    expect(failed.text).toBe('Não consegui salvar os dados clínicos agora. Responda *sim* para tentar de novo.');
    expect(failed.replies[0].buttons).toHaveLength(2);
    expect(h.actions.get(first.actionId)!.status).toBe('failed');
    const retry = h.state().pending!;
    expect(retry.actionId).not.toBe(first.actionId);
    expect(retry.call).toEqual(first.call);
    const ok = h.send('sim', YES);
    expect(ok.text).toBe('Dados clínicos salvos com sucesso!');
    const attempts = h.callsOf('updateClinicalData');
    expect(attempts.map((c) => c.idempotencyKey)).toEqual([first.actionId, retry.actionId]);
    expect(attempts[0].call).toEqual(attempts[1].call);
    expect(h.actions.get(retry.actionId)!.status).toBe('executed');
  });

  it('when the answer is neither yes nor no, then the same question is asked again without a new action', () => {
    const h = confirmed(createHarness());
    h.send('dados', COMPLETE);
    const id = h.state().pending!.actionId;
    const r = h.send('hmm, talvez', u());
    expect(r.text).toMatch(/^Não entendi\. Coletei: .* Confirma para salvar\?$/);
    expect(r.effects).toEqual([]);
    expect(h.state().pending!.actionId).toBe(id);
  });

  it('when new clinical data arrives while a save is pending, then it is merged and re-staged superseding the old action', () => {
    const h = confirmed(createHarness());
    h.send('dados', COMPLETE);
    const old = h.state().pending!.actionId;
    const r = h.send('na verdade FC 82', u({ vitals: { FC: 82 } }));
    expect(r.text).toContain('FC 82');
    const staged = r.effects.find((e) => e.type === 'pending.stage');
    expect(staged).toMatchObject({ supersedes: old, action: { call: { request: { heartRate: 82 } } } });
    h.send('sim', YES);
    expect(h.callsOf('updateClinicalData').map((c) => c.call.request)).toEqual([expect.objectContaining({ heartRate: 82, bloodPressure: '120x80' })]);
  });

  it('when a clinical save is refused, then nothing is posted and the data stays for corrections', () => {
    const h = confirmed(createHarness());
    h.send('dados', COMPLETE);
    const r = h.send('não', NO);
    expect(r.effects.map((e) => e.type)).toContain('pending.abort');
    expect(h.count('updateClinicalData')).toBe(0);
    expect(h.state().clinical.vitals).toEqual(FULL_VITALS);
  });

  it('when the cancellation question is answered não, then the shift is not cancelled', () => {
    const h = createHarness();
    h.send('cheguei', u({ intent: 'escala' }));
    h.send('não posso', NO);
    expect(h.state().pending).toMatchObject({ kind: 'escala.cancel', secondConfirmation: true });
    const r = h.send('não', NO);
    expect(r.text).toContain('não cancelei');
    expect(h.count('updateWorkScheduleResponse')).toBe(0);
    expect(h.state().pending).toBeNull();
  });

  it('when a reply button is tapped, then its payload wins over the text understanding', () => {
    const h = createHarness();
    h.send('cheguei', u({ intent: 'escala' }));
    h.send('Sim', u(), { replyPayload: 'yes' });
    expect(h.count('updateWorkScheduleResponse')).toBe(1);
  });

  it('when an operational note reads like a "não" during a confirmation, then it is not taken as the answer', () => {
    const h = createHarness();
    h.send('cheguei', u({ intent: 'escala' }));
    const r = h.send('não consegui aferir a pressão', u({ yesNo: 'no', operationalNote: 'não consegui aferir a pressão' }));
    expect(h.state().pending?.kind).toBe('escala.confirm');
    expect(r.text).toContain('Salvei a anotação');
    expect(h.count('updateClinicalData')).toBe(1);
  });

  it('when an operational note fails to save, then the reply says so and never claims it was saved', () => {
    const h = confirmed(createHarness());
    h.failNext('updateClinicalData');
    const r = h.send('acabou o soro', u({ operationalNote: 'acabou o soro' }));
    expect(r.text).toContain('Não consegui salvar a anotação');
    expect(r.text).not.toContain('Salvei');
  });

  it('when an operational note arrives with no shift known, then the shift is looked up first and the note saved with its ids', () => {
    const h = createHarness();
    const r = h.send('acabou a fralda', u({ operationalNote: 'acabou a fralda' }));
    expect(h.calls.map((c) => c.call.operation)).toEqual(['getScheduleStarted', 'updateClinicalData']);
    expect(r.text).toBe('Salvei a anotação: "acabou a fralda".');
    const unknown = createHarness({ schedule: null });
    expect(unknown.send('acabou a fralda', u({ operationalNote: 'acabou a fralda' })).text).toContain('não salvei a anotação');
    expect(unknown.count('updateClinicalData')).toBe(0);
  });

  it('when presence confirmation fails at the backend, then the user is told and can retry with sim', () => {
    const h = createHarness();
    h.send('cheguei', u({ intent: 'escala' }));
    h.failNext('updateWorkScheduleResponse');
    const r = h.send('sim', YES);
    expect(r.text).toBe('Não consegui confirmar sua presença agora. Responda *sim* para tentar de novo.');
    expect(h.state().shift.response).toBe('aguardando resposta');
    h.send('sim', YES);
    expect(h.state().shift.response).toBe('confirmado');
    expect(h.count('updateWorkScheduleResponse')).toBe(2);
  });
});

describe('expiry of data confirmations', () => {
  it('when a clinical confirmation expired and the caregiver says sim, then the same data is offered again under a new action', () => {
    const h = confirmed(createHarness());
    h.send('dados', COMPLETE);
    const old = h.state().pending!;
    h.advance(11 * MINUTE);
    const r = h.send('sim', YES);
    expect(r.text).toMatch(/^A confirmação anterior expirou e nada foi salvo\.\nColetei: .*Confirma para salvar\?$/);
    expect(h.count('updateClinicalData')).toBe(0);
    const fresh = h.state().pending!;
    expect(fresh.actionId).not.toBe(old.actionId);
    expect(fresh.call).toEqual(old.call);
  });

  it('when an operational note arrives on a cancelled shift, then it is not recorded', () => {
    const h = createHarness({ schedule: scheduleBody({ response: 'cancelado', shiftAllow: false }) });
    const r = h.send('acabou a fralda', u({ operationalNote: 'acabou a fralda' }));
    expect(r.text).toContain('não salvei a anotação');
    expect(h.count('updateClinicalData')).toBe(0);
  });
});

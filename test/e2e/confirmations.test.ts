import { describe, expect, it } from 'vitest';
import { ingestBody } from '../support/service.js';
import { ANA, ANA_ID, anaConfirmed, BRUNO, MINUTE, reportOf, startE2E } from './e2e.js';

const FULL = 'PA 120x80 FC 78 FR 18 Sat 97% Temp 36,5 ar ambiente, paciente consciente e orientado';

/** Two-phase commit end to end: each confirmed effect happens once, failures are told truthfully. */
describe('confirmations end to end', () => {
  it('when "sim" arrives twice under two idempotency keys, then the clinical save happens once and the second is told nothing is pending', async () => {
    const e = await startE2E();
    await anaConfirmed(e);
    await e.say(ANA, FULL);
    expect(await e.say(ANA, 'sim', 'sim-1')).toBe('Dados clínicos salvos com sucesso!');
    expect(await e.say(ANA, 'sim', 'sim-2')).toBe('Não há nada aguardando confirmação agora.');
    expect(e.effects('updateClinicalData')).toBe(1);
    expect(e.calls('updateClinicalData')).toBe(1);
  });

  it('when the same "sim" is redelivered with the same key, then the stored answer is replayed and nothing runs again', async () => {
    const e = await startE2E();
    await anaConfirmed(e);
    await e.say(ANA, FULL);
    const body = ingestBody('sim', ANA, 'wamid.same');
    const first = await e.post('/webhook/ingest', body, { 'X-Idempotency-Key': 'same-key' });
    const again = await e.post('/webhook/ingest', body, { 'X-Idempotency-Key': 'same-key' });
    expect(first.body.reply).toBe('Dados clínicos salvos com sucesso!');
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(e.calls('updateClinicalData')).toBe(1);
  });

  it('when two "sim" arrive concurrently under different keys, then the effect happens exactly once and both get an answer', async () => {
    const e = await startE2E();
    await anaConfirmed(e);
    await e.say(ANA, FULL);
    const [a, b] = await Promise.all([e.send(ANA, 'sim', 'c-1'), e.send(ANA, 'sim', 'c-2')]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const replies = [a.body.reply, b.body.reply].sort();
    expect(replies).toEqual(['Dados clínicos salvos com sucesso!', 'Não há nada aguardando confirmação agora.']);
    expect(e.effects('updateClinicalData')).toBe(1);
    expect(reportOf(e, e.demo.ids.anaSchedule).vitals).toHaveLength(1);
  });

  it('when two "sim" to the finalization arrive concurrently, then the summary (and its notification) is sent once', async () => {
    const e = await startE2E();
    await e.say(BRUNO, 'oi');
    await e.say(BRUNO, 'sem informações');
    const [a, b] = await Promise.all([e.send(BRUNO, 'sim', 'f-1'), e.send(BRUNO, 'sim', 'f-2')]);
    expect([a.body.reply, b.body.reply]).toContain('Plantão finalizado com sucesso! Obrigado pelo seu trabalho.');
    expect(e.effects('updatereportsummaryad')).toBe(1);
    expect(e.demo.counters.updatereportsummaryad.notifications).toBe(1);
  });

  it('when the backend fails on every attempt, then the user is told it was not saved, and the next "sim" retries the same data once', async () => {
    const e = await startE2E({ env: { BACKEND_MAX_RETRIES: '1' } });
    await anaConfirmed(e);
    await e.say(ANA, FULL);
    e.demo.injectFailure({ operation: 'updateClinicalData', times: 2, status: 500 });
    const failed = await e.say(ANA, 'sim');
    expect(failed).toBe('Não consegui salvar os dados clínicos agora. Responda *sim* para tentar de novo.');
    expect(failed).not.toMatch(/salvos/);
    expect(e.effects('updateClinicalData')).toBe(0);
    expect(e.demo.counters.updateClinicalData.injectedFailures).toBe(2);
    expect(await e.say(ANA, 'sim')).toBe('Dados clínicos salvos com sucesso!');
    expect(e.effects('updateClinicalData')).toBe(1);
    const actions = (await e.get(`/sessions/${ANA_ID}/pending-actions`)).body.actions as { kind: string; status: string }[];
    expect(
      actions
        .filter((a) => a.kind === 'clinico.save')
        .map((a) => a.status)
        .sort(),
    ).toEqual(['executed', 'failed']);
  });

  it('when the backend fails once, then the client retry succeeds within the same turn and the save happens once', async () => {
    const e = await startE2E();
    await anaConfirmed(e);
    await e.say(ANA, FULL);
    e.demo.injectFailure({ operation: 'updateClinicalData', times: 1, status: 503 });
    expect(await e.say(ANA, 'sim')).toBe('Dados clínicos salvos com sucesso!');
    expect(e.calls('updateClinicalData')).toBe(2);
    expect(e.effects('updateClinicalData')).toBe(1);
  });

  it('when the backend applies the save but its answer is lost (timeout), then the retry with the same Idempotency-Key is deduplicated: one effect', async () => {
    const e = await startE2E({ env: { BACKEND_TIMEOUT_MS: '300' } });
    await anaConfirmed(e);
    await e.say(ANA, FULL);
    // Real time, BACKEND_TIMEOUT_MS (300 ms): the configured timeout end to end is the behaviour under test.
    e.demo.injectFailure({ operation: 'updateClinicalData', times: 1, delayMs: 800 });
    expect(await e.say(ANA, 'sim')).toBe('Dados clínicos salvos com sucesso!');
    expect(e.calls('updateClinicalData')).toBe(2);
    expect(e.demo.counters.updateClinicalData.dedupHits).toBe(1);
    expect(e.effects('updateClinicalData')).toBe(1);
  });

  it('when presence confirmation fails at the backend, then the user is told the truth and a later "sim" confirms once', async () => {
    const e = await startE2E({ env: { BACKEND_MAX_RETRIES: '0' } });
    await e.say(ANA, 'cheguei');
    e.demo.injectFailure({ operation: 'updateWorkScheduleResponse', times: 1, status: 500 });
    expect(await e.say(ANA, 'sim')).toBe('Não consegui confirmar sua presença agora. Responda *sim* para tentar de novo.');
    expect(e.effects('updateWorkScheduleResponse')).toBe(0);
    expect(await e.say(ANA, 'sim')).toContain('Presença confirmada!');
    expect(e.effects('updateWorkScheduleResponse')).toBe(1);
  });

  it('when the confirmation window passes (11 min), then the next turn says it expired, nothing was saved, and the data is offered again', async () => {
    const e = await startE2E();
    await anaConfirmed(e);
    const question = await e.say(ANA, FULL);
    e.clock.advance(11 * MINUTE);
    expect(await e.say(ANA, 'sim')).toBe(`A confirmação anterior expirou e nada foi salvo.\n${question}`);
    expect(e.calls('updateClinicalData')).toBe(0);
    const actions = (await e.get(`/sessions/${ANA_ID}/pending-actions`)).body.actions as { kind: string; status: string }[];
    expect(
      actions
        .filter((a) => a.kind === 'clinico.save')
        .map((a) => a.status)
        .sort(),
    ).toEqual(['expired', 'staged']);
    expect(await e.say(ANA, 'sim')).toBe('Dados clínicos salvos com sucesso!');
    expect(e.effects('updateClinicalData')).toBe(1);
  });

  it('when anything else answers a confirmation, then it is asked again and nothing runs', async () => {
    const e = await startE2E();
    await anaConfirmed(e);
    const question = await e.say(ANA, FULL);
    expect(await e.say(ANA, 'talvez')).toBe(`Não entendi. ${question}`);
    expect(await e.say(ANA, 'hmm, deixa eu ver')).toBe(`Não entendi. ${question}`);
    expect(e.calls('updateClinicalData')).toBe(0);
  });

  it('when a correction arrives while the save is pending, then the question is restaged with exactly the corrected data, and that is what is sent', async () => {
    const e = await startE2E();
    await anaConfirmed(e);
    await e.say(ANA, FULL);
    expect(await e.say(ANA, 'FC 82')).toContain('FC 82');
    await e.say(ANA, 'sim');
    expect(reportOf(e, e.demo.ids.anaSchedule).vitals).toEqual([expect.objectContaining({ heartRate: 82 })]);
  });
});

import { describe, expect, it } from 'vitest';
import { ALL_TOPICS, confirmed, createHarness, FULL_VITALS, NO, scheduleBody, u, YES } from './harness.js';

/** The acceptance scenarios A1–A10 of the reference (§10.4), with DOMAIN.md's differences. */
describe('scenarios A1–A10', () => {
  it('A1: when vitals arrive before presence is confirmed, then presence is asked and nothing clinical is saved or stored', () => {
    const h = createHarness();
    const r = h.send('PA 120x80', u({ vitals: { PA: '120x80' } }));
    expect(r.text).toContain('Guardei o que você enviou');
    expect(r.text).toMatch(/Confirma sua presença no plantão.*\?$/);
    const s = h.state();
    expect(s.clinical.vitals).toEqual({});
    expect(s.resume).toMatchObject({ flow: 'clinico', reason: 'presence_required', payload: { vitals: { PA: '120x80' } } });
    expect(h.count('updateClinicalData')).toBe(0);
  });

  it('A2: when the presence question is answered sim, then confirmado is sent exactly once and the shift re-read', () => {
    const h = createHarness();
    h.send('cheguei', u({ intent: 'escala' }));
    const before = h.count('getScheduleStarted');
    h.send('sim', YES);
    expect(h.count('updateWorkScheduleResponse')).toBe(1);
    expect(h.count('getScheduleStarted')).toBe(before + 1);
    expect(h.state().pending).toBeNull();
    expect(h.state().shift.response).toBe('confirmado');
  });

  it('A3: when the presence question is answered não twice-confirmed, then cancelado is sent once and substitutes listed', () => {
    const h = createHarness();
    h.send('cheguei', u({ intent: 'escala' }));
    h.send('não', NO);
    const r = h.send('sim', YES);
    expect(h.callsOf('updateWorkScheduleResponse').map((c) => c.call.request)).toEqual([{ scheduleID: 'sch1', responseValue: 'cancelado' }]);
    expect(r.text).toContain('Substitutos disponíveis:');
    expect(h.expectation()).toEqual({ expecting: 'substitute_choice' });
  });

  it('A4: when only a note opens the first assessment, then the rule is explained and there is no backend write', () => {
    const h = confirmed(createHarness());
    const writesBefore = h.calls.filter((c) => c.call.operation !== 'getScheduleStarted').length;
    h.send('paciente tranquilo', u({ clinicalNote: 'paciente tranquilo' }));
    expect(h.calls.filter((c) => c.call.operation !== 'getScheduleStarted').length).toBe(writesBefore);
  });

  it('A5: when the first assessment is completed over 3 messages, then one post is made and the block resets', () => {
    const h = confirmed(createHarness());
    h.send('a', u({ vitals: { PA: '120x80', FC: 78, FR: 18 } }));
    h.send('b', u({ vitals: { Sat: 97, Temp: 36.5 }, respiratoryCondition: 'Ar ambiente' }));
    const summary = h.send('c', u({ clinicalNote: 'sem queixas' }));
    for (const part of ['PA 120x80', 'FC 78', 'FR 18', 'Sat 97%', 'Temp 36,5 °C', 'Ar ambiente', 'sem queixas']) expect(summary.text).toContain(part);
    h.send('sim', YES);
    expect(h.count('updateClinicalData')).toBe(1);
    expect(h.state().clinical).toEqual({ vitals: {}, respiratoryCondition: null, note: null, firstAssessmentDone: true });
  });

  it('A6: when a note arrives after the first assessment, then a note-only action is staged and posted once', () => {
    const h = confirmed(createHarness());
    h.send('a', u({ vitals: FULL_VITALS, respiratoryCondition: 'Ar ambiente', clinicalNote: 'ok' }));
    h.send('sim', YES);
    h.send('paciente com tosse produtiva', u({ clinicalNote: 'paciente com tosse produtiva' }));
    expect(h.state().pending?.kind).toBe('clinico.note');
    h.send('sim', YES);
    expect(h.callsOf('updateClinicalData').map((c) => (c.call.request as { clinicalNote?: string }).clinicalNote)).toEqual([
      'ok',
      'paciente com tosse produtiva',
    ]);
  });

  it('A7: when out-of-range values are sent, then they are named in the reply and never stored or sent', () => {
    const h = confirmed(createHarness());
    const r = h.send(
      'FC 300 Temp 50 PA 300x200 Sat 150 FR 18',
      u({
        vitals: { FR: 18 },
        invalidVitals: [
          { field: 'FC', value: '300', reason: 'aceito 40–190' },
          { field: 'Temp', value: '50', reason: 'aceito 34–41' },
          { field: 'PA', value: '300x200', reason: 'sistólica aceita 60–220' },
          { field: 'Sat', value: '150', reason: 'aceito 70–100' },
        ],
      }),
    );
    expect(r.text).toContain('Valores fora da faixa, não registrados: FC 300 (aceito 40–190); Temp 50 (aceito 34–41); PA 300x200');
    expect(h.state().clinical.vitals).toEqual({ FR: 18 });
    h.send('resto', u({ vitals: { PA: '120x80', FC: 80, Sat: 96, Temp: 36.8 }, respiratoryCondition: 'Ar ambiente', clinicalNote: 'bem' }));
    h.send('sim', YES);
    const sent = JSON.stringify(h.callsOf('updateClinicalData').map((c) => c.call));
    for (const bad of ['300', '"temperature":50', '150']) expect(sent).not.toContain(bad);
  });

  it('A8: when an operational note arrives while a confirmation is pending, then it is posted at once and the pending survives', () => {
    const h = createHarness();
    h.send('cheguei', u({ intent: 'escala' }));
    const pendingId = h.state().pending!.actionId;
    const r = h.send('acabou a fralda', u({ operationalNote: 'acabou a fralda', intent: 'operacional' }));
    expect(r.text).toBe('Salvei a anotação: "acabou a fralda".\nConfirma sua presença no plantão de 10/05/2025 das 07:00 às 19:00 com José?');
    expect(h.callsOf('updateClinicalData').map((c) => c.via)).toEqual(['backend.command']);
    expect(h.state().pending!.actionId).toBe(pendingId);
    expect(h.actions.get(pendingId)!.status).toBe('staged');
    h.send('sim', YES);
    expect(h.count('updateWorkScheduleResponse')).toBe(1);
  });

  it('A9: when the finish reminder was sent, then the 8 topics lead to one summary call and a closed state', () => {
    const h = createHarness({ schedule: scheduleBody({ response: 'confirmado', finishReminderSent: true }) });
    const r = h.send('tudo', u({ finalizationTopics: ALL_TOPICS }));
    expect(r.text).toContain('Confirma a finalização do plantão?');
    h.send('sim', YES);
    h.send('sim', YES);
    expect(h.count('updatereportsummaryad')).toBe(1);
    expect(h.state().finalization.topics).toEqual({});
    expect(h.state().outcome.finalizedAt).toBe(h.now());
  });

  it('A10: when an unknown phone writes, then it gets help text and no crash', () => {
    const h = createHarness({ schedule: null });
    const r = h.send('oi', u({ intent: 'auxiliar' }));
    expect(r.text).toContain('Não encontrei seu cadastro');
    expect(r.effects.filter((e) => e.type.startsWith('pending'))).toEqual([]);
  });
});

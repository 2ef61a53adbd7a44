import { describe, expect, it } from 'vitest';
import { ALL_TOPICS, confirmed, createHarness, FULL_VITALS, MINUTE, scheduleBody, u, YES } from './harness.js';

describe('resume after a diversion', () => {
  it('when vitals were sent before presence, then after "sim" they are resumed into the clinical confirmation in the same turn', () => {
    const h = createHarness();
    h.send(
      'PA 120x80 FC 78 FR 18 Sat 97 Temp 36,5 ar ambiente, paciente bem',
      u({ vitals: FULL_VITALS, respiratoryCondition: 'Ar ambiente', clinicalNote: 'paciente bem' }),
    );
    const r = h.send('sim', YES);
    expect(r.text).toMatch(
      /^Presença confirmada!\nColetei: PA 120x80, FC 78, FR 18, Sat 97%, Temp 36,5 °C, Ar ambiente\. Nota: "paciente bem"\. Confirma para salvar\?$/,
    );
    expect(h.count('updateClinicalData')).toBe(0);
    expect(h.state().resume).toBeNull();
    h.send('sim', YES);
    expect(h.count('updateClinicalData')).toBe(1);
  });

  it('when more vitals arrive while the presence question is pending, then they are merged into the kept data', () => {
    const h = createHarness();
    h.send('PA 120x80', u({ vitals: { PA: '120x80' } }));
    const r = h.send('FC 78', u({ vitals: { FC: 78 } }));
    expect(r.text).toMatch(/^Guardei o que você enviou.*\nConfirma sua presença/);
    const after = h.send('sim', YES);
    expect(after.text).toContain('Anotei PA 120x80, FC 78. Falta: FR, Sat, Temp');
  });

  it('when the kept data is older than the resume TTL, then it is dropped and not resumed', () => {
    const h = createHarness();
    h.send('PA 120x80', u({ vitals: { PA: '120x80' } }));
    h.advance(31 * MINUTE);
    h.send('cheguei', u({ intent: 'escala' }));
    expect(h.state().resume).toBeNull();
    const r = h.send('sim', YES);
    expect(r.text).toBe('Presença confirmada!\nPode enviar sinais vitais, condição respiratória e nota clínica quando quiser.');
    expect(h.state().clinical.vitals).toEqual({});
  });

  it('when finalization is asked before the first assessment, then clinico runs first and finalization resumes after the save', () => {
    const h = confirmed(createHarness());
    const r = h.send('quero finalizar', u({ intent: 'finalizar' }));
    expect(r.text).toMatch(/^Antes de finalizar, preciso da primeira aferição do plantão\.\nEnvie os sinais vitais/);
    expect(h.state().resume).toMatchObject({ flow: 'finalizar', reason: 'first_assessment_required' });
    h.send('dados', u({ vitals: FULL_VITALS, respiratoryCondition: 'Ar ambiente', clinicalNote: 'bem' }));
    const saved = h.send('sim', YES);
    expect(saved.text).toMatch(/^Dados clínicos salvos com sucesso!\nPara finalizar o plantão, me conte sobre:/);
    expect(h.count('getNoteReport')).toBe(1);
    expect(h.state().resume).toBeNull();
  });
});

describe('resume chains', () => {
  it('when finalization topics arrive before presence, then they survive presence and the first assessment and are resumed', () => {
    const h = createHarness();
    h.send('quero finalizar, comeu bem', u({ intent: 'finalizar', finalizationTopics: { alimentacao_hidratacao: 'comeu bem' } }));
    const confirmedTurn = h.send('sim', YES);
    expect(confirmedTurn.text).toMatch(/^Presença confirmada!\nAntes de finalizar, preciso da primeira aferição do plantão\./);
    expect(h.state().resume).toMatchObject({
      flow: 'finalizar',
      reason: 'first_assessment_required',
      payload: { topics: { alimentacao_hidratacao: 'comeu bem' } },
    });
    expect(h.state().finalization.topics).toEqual({});
    expect(h.send('PA', u({ vitals: { PA: '120x80' } })).text).toBe('Anotei PA 120x80. Falta: FC, FR, Sat, Temp, condição respiratória e nota clínica.');
    h.send('resto', u({ vitals: FULL_VITALS, respiratoryCondition: 'Ar ambiente', clinicalNote: 'bem' }));
    const saved = h.send('sim', YES);
    expect(saved.text).toMatch(/^Dados clínicos salvos com sucesso!\nAnotado\. Falta: evacuações/);
    expect(h.state().finalization.topics).toEqual({ alimentacao_hidratacao: 'comeu bem' });
  });
});

describe('template-fired context', () => {
  it('when pedir_sinais_vitais fires with missing fields, then the expectation lists them and the template produces no reply or effect', () => {
    const h = confirmed(createHarness());
    const r = h.template('pedir_sinais_vitais', { hint_campos_faltantes: ['FR', 'Sat', 'Temp', 'XX'] });
    expect(r.replies).toEqual([]);
    expect(r.effects).toEqual([]);
    expect(h.expectation()).toEqual({ expecting: 'vitals', missingVitals: ['FR', 'Sat', 'Temp'] });
    expect(h.state().template.last).toBe('pedir_sinais_vitais');
  });

  it('when confirmar_presenca fired and the caregiver says sim, then presence is confirmed directly once with a schedule key', () => {
    const h = createHarness();
    h.template('confirmar_presenca');
    expect(h.expectation()).toEqual({ expecting: 'yes_no' });
    const r = h.send('sim', YES);
    expect(r.text).toContain('Presença confirmada!');
    expect(h.callsOf('updateWorkScheduleResponse').map((c) => [c.via, c.idempotencyKey])).toEqual([['backend.command', 'presence:sch1:confirmado']]);
    expect(r.effects.some((e) => e.type === 'pending.stage')).toBe(false);
    expect(h.send('sim', YES).text).toBe('Não há nada aguardando confirmação agora.');
    expect(h.count('updateWorkScheduleResponse')).toBe(1);
  });

  it('when confirmar_presenca fired and the caregiver says não, then the explicit cancellation question is asked', () => {
    const h = createHarness();
    h.template('confirmar_presenca');
    const r = h.send('não', u({ yesNo: 'no' }));
    expect(r.text).toContain('Confirma o cancelamento?');
    expect(h.count('updateWorkScheduleResponse')).toBe(0);
  });

  it('when pedir_nota_clinica fires, then a note is expected and the next text is treated as clinical', () => {
    const h = confirmed(createHarness());
    h.send('a', u({ vitals: FULL_VITALS, respiratoryCondition: 'Ar ambiente', clinicalNote: 'ok' }));
    h.send('sim', YES);
    h.template('pedir_nota_clinica');
    expect(h.expectation()).toEqual({ expecting: 'clinical_note' });
    const r = h.send('paciente dormindo', u({ clinicalNote: 'paciente dormindo' }));
    expect(r.text).toContain('Confirma para salvar a nota?');
    expect(h.expectation()).toEqual({ expecting: 'yes_no' });
  });

  it('when finalizar_plantao fires, then topics are expected and the next message goes to finalization without asking for vitals', () => {
    const h = confirmed(createHarness());
    h.template('finalizar_plantao');
    expect(h.expectation()).toEqual({ expecting: 'finalization_topics', missingTopics: Object.keys(ALL_TOPICS) });
    const r = h.send('tudo', u({ finalizationTopics: ALL_TOPICS }));
    expect(r.text).toContain('Confirma a finalização do plantão?');
    expect(r.text).not.toMatch(/sinais vitais/);
  });

  it('when an unknown template fires, then it is recorded without changing the flow', () => {
    const h = confirmed(createHarness());
    const before = h.expectation();
    h.template('lembrete_generico', { x: 1 });
    expect(h.state().template.last).toBe('lembrete_generico');
    expect(h.expectation()).toEqual(before);
  });

  it('when the template context is older than its TTL, then the next message is routed normally', () => {
    const h = createHarness();
    h.template('confirmar_presenca');
    expect(h.expectation()).toEqual({ expecting: 'yes_no' });
    h.advance(3 * 60 * MINUTE);
    // Stale: it no longer shapes how the message is read either.
    expect(h.expectation()).toEqual({ expecting: 'none' });
    const r = h.send('sim', YES);
    expect(r.text).toMatch(/^Confirma sua presença/);
    expect(h.count('updateWorkScheduleResponse')).toBe(0);
  });

  it('when the shift is cancelled and old, then no substitutes are offered for it', () => {
    const h = createHarness({ schedule: scheduleBody({ response: 'cancelado', shiftAllow: false, day: '01/05/2025' }) });
    expect(h.send('oi', u()).text).toBe('Seu plantão está cancelado. Se precisar de algo, fale com a coordenação.');
  });
});

import { describe, expect, it } from 'vitest';
import { ALL_TOPICS, confirmed, createHarness, FULL_VITALS, NO, scheduleBody, u, YES } from './harness.js';

/** The reference transcripts T1–T10, with DOMAIN.md's deliberate differences. */
describe('transcripts T1–T10', () => {
  it('T1: when the caregiver arrives and says sim, then presence is confirmed once and the shift re-read', () => {
    const h = createHarness();
    const ask = h.send('cheguei', u({ intent: 'escala' }));
    expect(ask.text).toMatch(/^Confirma sua presença no plantão/);
    expect(ask.replies[0].buttons).toEqual([
      { id: 'yes', title: 'Sim' },
      { id: 'no', title: 'Não' },
    ]);
    expect(h.count('updateWorkScheduleResponse')).toBe(0);

    const done = h.send('sim', YES);
    expect(done.text).toContain('Presença confirmada!');
    expect(h.callsOf('updateWorkScheduleResponse').map((c) => c.call.request)).toEqual([{ scheduleID: 'sch1', responseValue: 'confirmado' }]);
    expect(h.count('getScheduleStarted')).toBe(2);
    expect(h.state().shift.response).toBe('confirmado');
    expect(h.state().pending).toBeNull();
  });

  it('T2: when presence is refused and the cancellation confirmed, then substitutes are listed and one is scheduled once', () => {
    const h = createHarness();
    h.send('oi', u({ intent: 'auxiliar' }));
    const second = h.send('não', NO);
    expect(second.text).toContain('Confirma o cancelamento?');
    expect(h.count('updateWorkScheduleResponse')).toBe(0);

    const cancelled = h.send('sim', YES);
    expect(h.callsOf('updateWorkScheduleResponse').map((c) => c.call.request)).toEqual([{ scheduleID: 'sch1', responseValue: 'cancelado' }]);
    expect(cancelled.text).toContain('cancelado');
    expect(cancelled.text).toContain('1. Maria Souza\n2. João Lima');

    const pick = h.send('1', u({ choice: '1' }));
    expect(pick.text).toContain('Maria Souza');
    expect(pick.replies[0].buttons).toBeDefined();
    expect(h.count('createNewSchedule')).toBe(0);

    const created = h.send('sim', YES);
    expect(created.text).toBe('Nova escala criada com sucesso para Maria Souza!');
    expect(h.callsOf('createNewSchedule').map((c) => c.call.request)).toEqual([{ scheduleIdentifier: 'sch1', newCaregiverID: 'c2' }]);

    const after = h.send('obrigado', u());
    expect(after.text).toContain('substituição já foi feita');
    expect(h.count('createNewSchedule')).toBe(1);
  });

  it('T2 variants: when there are no substitutes, or the caregiver refuses, or names someone unknown, then the reply says so', () => {
    const none = createHarness({ schedule: scheduleBody({ response: 'cancelado', shiftAllow: false, substituteInfo: 'Nao há profissionais substitutos' }) });
    expect(none.send('oi', u()).text).toContain('não há substitutos disponíveis');

    const refuse = createHarness({ schedule: scheduleBody({ response: 'cancelado', shiftAllow: false }) });
    refuse.send('oi', u());
    expect(refuse.send('Pedro', u({ choice: 'Pedro' })).text).toContain('Não identifiquei o substituto');
    expect(refuse.send('nenhum', u()).text).toContain('nenhum substituto escolhido');
    expect(refuse.send('oi', u()).text).toContain('Seu plantão está cancelado');
    expect(refuse.count('createNewSchedule')).toBe(0);

    const byName = createHarness({ schedule: scheduleBody({ response: 'cancelado', shiftAllow: false }) });
    byName.send('oi', u());
    expect(byName.send('quero o joao', u()).text).toContain('João Lima');
  });

  it('T3: when the first assessment arrives over three messages, then the full summary is confirmed and saved once', () => {
    const h = confirmed(createHarness());
    const first = h.send('PA 12x8 FC 78', u({ vitals: { PA: '120x80', FC: 78 } }));
    expect(first.text).toBe('Anotei PA 120x80, FC 78. Falta: FR, Sat, Temp, condição respiratória e nota clínica.');
    expect(first.text).not.toMatch(/salv/i);
    const second = h.send('fr 18 sat 97% temp 36,5 ar ambiente', u({ vitals: { FR: 18, Sat: 97, Temp: 36.5 }, respiratoryCondition: 'Ar ambiente' }));
    expect(second.text).toContain('Falta: nota clínica.');
    const third = h.send('paciente consciente, orientado, sem queixas', u({ clinicalNote: 'paciente consciente, orientado, sem queixas' }));
    expect(third.text).toBe(
      'Coletei: PA 120x80, FC 78, FR 18, Sat 97%, Temp 36,5 °C, Ar ambiente. Nota: "paciente consciente, orientado, sem queixas". Confirma para salvar?',
    );
    expect(h.count('updateClinicalData')).toBe(0);
    const saved = h.send('pode salvar', YES);
    expect(saved.text).toBe('Dados clínicos salvos com sucesso!');
    expect(h.callsOf('updateClinicalData').map((c) => c.call.request)).toEqual([
      {
        reportID: 'rep1',
        reportDate: '2025-05-10T07:00:00',
        scheduleID: 'sch1',
        caregiverIdentifier: 'cg1',
        patientIdentifier: 'pt1',
        bloodPressure: '120x80',
        heartRate: 78,
        respRate: 18,
        saturationO2: 97,
        temperature: 36.5,
        supplementaryOxygen: 'Ar ambiente',
        clinicalNote: 'paciente consciente, orientado, sem queixas',
      },
    ]);
  });

  it('T4: when a note alone opens the shift, then the first-assessment rule is explained and nothing is written', () => {
    const h = confirmed(createHarness());
    const r = h.send('paciente com tosse seca', u({ clinicalNote: 'paciente com tosse seca' }));
    expect(r.text).toContain('primeira aferição');
    expect(h.count('updateClinicalData')).toBe(0);
    expect(h.state().pending).toBeNull();
  });

  it('T5: when a note comes alone after the first assessment, then a note-only save is confirmed (or cancelled)', () => {
    const h = confirmed(createHarness());
    h.send('vitais', u({ vitals: FULL_VITALS, respiratoryCondition: 'Ar ambiente', clinicalNote: 'ok' }));
    h.send('sim', YES);
    const note = h.send('paciente evacuou, fezes normais, aceitou dieta', u({ clinicalNote: 'paciente evacuou, fezes normais, aceitou dieta' }));
    expect(note.text).toBe('Nota: "paciente evacuou, fezes normais, aceitou dieta". Confirma para salvar a nota?');
    const no = h.send('não', NO);
    expect(no.text).toContain('não salvei');
    expect(h.count('updateClinicalData')).toBe(1);
    h.send('paciente evacuou, fezes normais, aceitou dieta', u({ clinicalNote: 'paciente evacuou, fezes normais, aceitou dieta' }));
    expect(h.send('sim', YES).text).toBe('Dados clínicos salvos com sucesso!');
    expect(h.callsOf('updateClinicalData')[1].call.request).toEqual({
      reportID: 'rep1',
      reportDate: '2025-05-10T07:00:00',
      scheduleID: 'sch1',
      caregiverIdentifier: 'cg1',
      patientIdentifier: 'pt1',
      clinicalNote: 'paciente evacuou, fezes normais, aceitou dieta',
    });
  });

  it('T6: when operational notes arrive, then each is saved at once and vitals in the same message are kept (not dropped)', () => {
    const h = confirmed(createHarness());
    const gaze = h.send('acabou a gaze do paciente', u({ operationalNote: 'acabou a gaze do paciente', intent: 'operacional' }), { messageId: 'm-gaze' });
    expect(gaze.text).toBe('Salvei a anotação: "acabou a gaze do paciente".');
    const op = h.callsOf('updateClinicalData')[0];
    expect(op.via).toBe('backend.command');
    expect(op.idempotencyKey).toBe('op:m-gaze');
    expect(op.call.request).toMatchObject({ clinicalNote: 'acabou a gaze do paciente', operationalNote: true, reportID: 'rep1' });

    const mixed = h.send('PA 130x80 FC 88 e acabou o soro', u({ operationalNote: 'acabou o soro', vitals: { PA: '130x80', FC: 88 } }));
    expect(mixed.text).toContain('Salvei a anotação: "acabou o soro".');
    expect(mixed.text).toContain('Anotei PA 130x80, FC 88');
    expect(h.state().clinical.vitals).toEqual({ PA: '130x80', FC: 88 });
  });

  it('T7: when the finish reminder was sent, then the 8 topics are collected, confirmed and the summary sent once with real names', () => {
    const h = createHarness({ schedule: scheduleBody({ response: 'confirmado', finishReminderSent: true }) });
    const open = h.send('boa noite', u({ intent: 'auxiliar' }));
    expect(open.text).toMatch(/^Para finalizar o plantão, me conte sobre: alimentação e hidratação, evacuações/);
    expect(open.text).not.toMatch(/sinais vitais|PA|FC/);
    expect(h.count('getNoteReport')).toBe(1);
    expect(h.state().finalization.existingNotes).toEqual(['Paciente tossiu pela manhã']);

    const some = h.send(
      'comeu bem, dormiu a tarde toda, urinou normal',
      u({ finalizationTopics: { alimentacao_hidratacao: 'comeu bem', sono: 'dormiu a tarde toda', evacuacoes: 'urinou normal' } }),
    );
    expect(some.text).toBe('Anotado. Falta: humor, medicações, atividades, informações clínicas adicionais e informações administrativas.');
    const rest = h.send(
      '...',
      u({
        finalizationTopics: {
          humor: 'calmo',
          medicacoes: 'dipirona às 14h',
          atividades: 'fisioterapia',
          informacoes_clinicas_adicionais: 'sem informações',
          informacoes_administrativas: 'familiar visitou',
        },
      }),
    );
    expect(rest.text).toContain('Resumo do plantão:\n• Alimentação e hidratação: comeu bem');
    expect(rest.text).toContain('• Informações clínicas adicionais: sem informações');
    expect(rest.text).toMatch(/Confirma a finalização do plantão\?$/);
    expect(h.count('getNoteReport')).toBe(1);

    const done = h.send('sim', YES);
    expect(done.text).toBe('Plantão finalizado com sucesso! Obrigado pelo seu trabalho.');
    expect(h.callsOf('updatereportsummaryad').map((c) => c.call.request)).toEqual([
      {
        reportID: 'rep1',
        reportDate: '2025-05-10T07:00:00',
        scheduleID: 'sch1',
        caregiverID: 'cg1',
        patientFirstName: 'José',
        caregiverFirstName: 'Ana',
        shiftDay: '10/05/2025',
        shiftStart: '07:00',
        shiftEnd: '19:00',
        foodHydrationSpecification: 'comeu bem',
        stoolUrineSpecification: 'urinou normal',
        sleepSpecification: 'dormiu a tarde toda',
        moodSpecification: 'calmo',
        medicationsSpecification: 'dipirona às 14h',
        activitiesSpecification: 'fisioterapia',
        additionalInformationSpecification: 'sem informações',
        administrativeInfo: 'familiar visitou',
      },
    ]);
    const closed = h.state();
    expect(closed.shift.scheduleID).toBeNull();
    expect(closed.outcome.lastClosedScheduleID).toBe('sch1');
    // The backend still returning the finished shift does not reopen it.
    expect(h.send('oi', u()).text).toContain('já foi finalizado');
    expect(h.count('updatereportsummaryad')).toBe(1);
    void ALL_TOPICS;
  });

  it('T8: when the caregiver greets on a confirmed shift, then help is shown without mentioning finalization', () => {
    const h = confirmed(createHarness());
    const r = h.send('olá, como funciona?', u({ intent: 'auxiliar' }));
    expect(r.text).toMatch(/^Olá, Ana! Sou o assistente do seu plantão\./);
    expect(r.text).not.toMatch(/finaliz/i);
  });

  it('T9: when the phone is unknown or there is no shift, then help is given without error or writes', () => {
    const unknown = createHarness({ schedule: null });
    expect(unknown.send('cheguei', u({ intent: 'escala' })).text).toContain('Não encontrei seu cadastro');
    const noShift = createHarness({ schedule: { caregiverID: 'cg1', shiftAllow: false, caregiverNotFound: false, response: null } });
    expect(noShift.send('cheguei', u({ intent: 'escala' })).text).toContain('Não encontrei plantão ativo');
    expect(unknown.calls.every((c) => c.call.operation === 'getScheduleStarted')).toBe(true);
    expect(noShift.calls.every((c) => c.call.operation === 'getScheduleStarted')).toBe(true);
  });

  it('T10: when the shift is "sem lembretes", then the out-of-schedule message is sent', () => {
    const h = createHarness({ schedule: scheduleBody({ response: 'sem lembretes' }) });
    expect(h.send('oi', u()).text).toBe('Você está fora do horário de plantão. Só consigo ajudar durante o horário do seu plantão.');
  });
});

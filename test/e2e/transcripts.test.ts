import { describe, expect, it } from 'vitest';
import { DEMO_IDS } from '../../src/demo-backend/index.js';
import { ANA, ANA_ID, anaConfirmed, anaFirstAssessmentDone, BRUNO, BRUNO_ID, CARLA, MINUTE, reportOf, scheduleOf, startE2E, UNKNOWN } from './e2e.js';

/**
 * The reference transcripts T1–T10 end to end (HTTP → pipeline → DynamoDB Local → demo backend),
 * with DOMAIN.md's deliberate differences: a "não" to presence cancels only after a second "sim";
 * an operational note never drops the vitals of the same message.
 */
describe('transcripts T1–T10 end to end', () => {
  it('T1: when Ana arrives and says sim, then presence is confirmed once in the backend', async () => {
    const e = await startE2E();
    expect(await e.say(ANA, 'cheguei')).toMatch(/^Confirma sua presença no plantão de \d{2}\/\d{2}\/\d{4} das \d{2}:00 às \d{2}:00 com José\?$/);
    expect(e.effects('updateWorkScheduleResponse')).toBe(0);
    expect(await e.say(ANA, 'sim')).toBe('Presença confirmada!\nPode enviar sinais vitais, condição respiratória e nota clínica quando quiser.');
    expect(e.effects('updateWorkScheduleResponse')).toBe(1);
    expect(scheduleOf(e, e.demo.ids.anaSchedule).response).toBe('confirmado');
    // The first lookup started the report (the documented side effect), once.
    expect(e.effects('getScheduleStarted')).toBe(1);
    expect((await e.state(ANA_ID)).shift.response).toBe('confirmado');
  });

  it('T2: when presence is refused and the cancellation confirmed, then coordinators are notified once and a substitute is scheduled once', async () => {
    const e = await startE2E();
    await e.say(ANA, 'oi');
    expect(await e.say(ANA, 'não')).toContain('Confirma o cancelamento?');
    expect(e.calls('updateWorkScheduleResponse')).toBe(0);
    const cancelled = await e.say(ANA, 'sim');
    expect(cancelled).toContain('Seu plantão foi cancelado e a coordenação foi avisada.');
    expect(cancelled).toContain('1. Bruno Lima\n2. Carla Mendes');
    expect(e.demo.counters.updateWorkScheduleResponse.notifications).toBe(1);
    expect(await e.say(ANA, '2')).toBe('Confirma a criação da nova escala com Carla Mendes como substituto(a)?');
    expect(e.calls('createNewSchedule')).toBe(0);
    expect(await e.say(ANA, 'sim')).toBe('Nova escala criada com sucesso para Carla Mendes!');
    expect(await e.say(ANA, 'obrigado')).toContain('a substituição já foi feita (Carla Mendes)');
    expect(e.effects('createNewSchedule')).toBe(1);
    expect(e.demo.snapshot().schedules.filter((s) => s.caregiverId === DEMO_IDS.carla)).toHaveLength(1);
  });

  it('T2 variant: when the caregiver refuses every substitute, then nothing is created and the refusal is remembered', async () => {
    const e = await startE2E();
    await e.say(ANA, 'oi');
    await e.say(ANA, 'não posso ir hoje');
    await e.say(ANA, 'sim');
    expect(await e.say(ANA, 'Pedro')).toContain('Não identifiquei o substituto');
    expect(await e.say(ANA, 'nenhum')).toContain('nenhum substituto escolhido');
    expect(await e.say(ANA, 'oi')).toContain('Seu plantão está cancelado');
    expect(e.calls('createNewSchedule')).toBe(0);
  });

  it('T3: when the first assessment arrives over three messages, then the summary is confirmed and saved once with exactly those values', async () => {
    const e = await startE2E();
    await anaConfirmed(e);
    expect(await e.say(ANA, 'PA 12x8 FC 78')).toBe('Anotei PA 120x80, FC 78. Falta: FR, Sat, Temp, condição respiratória e nota clínica.');
    expect(await e.say(ANA, 'fr 18 sat 97% temp 36,5 ar ambiente')).toBe(
      'Anotei PA 120x80, FC 78, FR 18, Sat 97%, Temp 36,5 °C, Ar ambiente. Falta: nota clínica.',
    );
    expect(await e.say(ANA, 'paciente consciente, orientado, sem queixas')).toBe(
      'Coletei: PA 120x80, FC 78, FR 18, Sat 97%, Temp 36,5 °C, Ar ambiente. Nota: "paciente consciente, orientado, sem queixas". Confirma para salvar?',
    );
    expect(e.calls('updateClinicalData')).toBe(0);
    expect(await e.say(ANA, 'pode salvar')).toBe('Dados clínicos salvos com sucesso!');
    expect(e.effects('updateClinicalData')).toBe(1);
    const report = reportOf(e, e.demo.ids.anaSchedule);
    expect(report.vitals).toEqual([
      expect.objectContaining({
        bloodPressure: '120x80',
        heartRate: 78,
        respRate: 18,
        saturationO2: 97,
        temperature: 36.5,
        supplementaryOxygen: 'Ar ambiente',
      }),
    ]);
    expect(report.notes.map((n) => n.noteDescAI)).toEqual(['paciente consciente, orientado, sem queixas']);
    const state = await e.state(ANA_ID);
    expect(state.clinical).toEqual({ vitals: {}, respiratoryCondition: null, note: null, firstAssessmentDone: true });
  });

  it('T4: when only a note arrives on the first assessment, then it is not accepted alone and nothing is sent', async () => {
    const e = await startE2E();
    await anaConfirmed(e);
    expect(await e.say(ANA, 'paciente com tosse seca')).toBe(
      'Guardei a nota. Na primeira aferição do plantão preciso também dos sinais vitais (PA, FC, FR, Sat, Temp) e da condição respiratória.',
    );
    expect(e.calls('updateClinicalData')).toBe(0);
  });

  it('T5: when a note arrives after the first assessment, then it is confirmed and saved alone; a "não" keeps it unsent', async () => {
    const e = await startE2E();
    await anaFirstAssessmentDone(e);
    expect(await e.say(ANA, 'paciente evacuou, fezes normais, aceitou dieta')).toBe(
      'Nota: "paciente evacuou, fezes normais, aceitou dieta". Confirma para salvar a nota?',
    );
    expect(await e.say(ANA, 'sim')).toBe('Dados clínicos salvos com sucesso!');
    expect(e.effects('updateClinicalData')).toBe(2);
    expect(reportOf(e, e.demo.ids.anaSchedule).vitals).toHaveLength(1);

    await e.say(ANA, 'paciente sonolento à tarde');
    expect(await e.say(ANA, 'não')).toContain('Ok, não salvei.');
    expect(e.effects('updateClinicalData')).toBe(2);
  });

  it('T6: when operational notes arrive, then each is saved at once without confirmation, and vitals in the same message are kept (not dropped)', async () => {
    const e = await startE2E();
    await anaConfirmed(e);
    expect(await e.say(ANA, 'acabou a gaze do paciente')).toBe('Salvei a anotação: "acabou a gaze do paciente".');
    expect(e.effects('updateClinicalData')).toBe(1);
    const mixed = await e.say(ANA, 'PA 130x80 FC 88 e acabou o soro');
    expect(mixed).toContain('Salvei a anotação: "acabou o soro".');
    expect(mixed).toContain('Anotei PA 130x80, FC 88.');
    expect(e.effects('updateClinicalData')).toBe(2);
    const notes = reportOf(e, e.demo.ids.anaSchedule).notes;
    expect(notes.map((n) => [n.noteDescAI, n.operational])).toEqual([
      ['acabou a gaze do paciente', true],
      ['acabou o soro', true],
    ]);
    expect((await e.state(ANA_ID)).clinical.vitals).toEqual({ PA: '130x80', FC: 88 });
  });

  it('T7: when Bruno (finish reminder sent) reports the 8 topics, then the summary is sent once with real names and the shift closes', async () => {
    const e = await startE2E();
    expect(await e.say(BRUNO, 'boa noite')).toBe(
      'Para finalizar o plantão, me conte sobre: alimentação e hidratação, evacuações, sono, humor, medicações, atividades, informações clínicas adicionais e informações administrativas. Se não houver, diga "sem informações".',
    );
    expect(e.calls('getNoteReport')).toBe(1);
    expect(await e.say(BRUNO, 'comeu bem no almoço, tomou bastante água, dormiu a tarde toda, urinou normal')).toBe(
      'Anotado. Falta: humor, medicações, atividades, informações clínicas adicionais e informações administrativas.',
    );
    const summary = await e.say(BRUNO, 'estava calmo, dei dipirona às 14h, fez fisioterapia, sem intercorrências, familiar visitou');
    expect(summary).toContain('• Humor: estava calmo');
    expect(summary).toContain('• Informações administrativas: familiar visitou');
    expect(summary).toMatch(/Confirma a finalização do plantão\?$/);
    expect(summary).not.toMatch(/sinais vitais/i);
    expect(await e.say(BRUNO, 'sim')).toBe('Plantão finalizado com sucesso! Obrigado pelo seu trabalho.');
    expect(e.effects('updatereportsummaryad')).toBe(1);
    const summaryStored = reportOf(e, e.demo.ids.brunoSchedule).summary!;
    expect(summaryStored).toMatchObject({
      patientFirstName: 'Helena',
      caregiverFirstName: 'Bruno',
      foodHydrationSpecification: 'comeu bem no almoço, tomou bastante água',
      stoolUrineSpecification: 'urinou normal',
      sleepSpecification: 'dormiu a tarde toda',
      medicationsSpecification: 'dei dipirona às 14h',
    });
    expect(summaryStored.shiftStart).toMatch(/^\d{2}:00$/);
    expect(scheduleOf(e, e.demo.ids.brunoSchedule).finishReport).toBe(true);
    const state = await e.state(BRUNO_ID);
    expect(state.shift.scheduleID).toBeNull();
    expect(state.outcome.lastClosedScheduleID).toBe(e.demo.ids.brunoSchedule);
    expect(await e.say(BRUNO, 'oi')).toBe('Seu plantão já foi finalizado. Obrigado e até o próximo!');
    expect(e.effects('updatereportsummaryad')).toBe(1);
  });

  it('T8: when a confirmed caregiver greets and asks how it works, then the help text answers', async () => {
    const e = await startE2E();
    await anaConfirmed(e);
    const help = await e.say(ANA, 'olá, como funciona?');
    expect(help).toMatch(/^Olá, Ana! Sou o assistente do seu plantão\./);
    expect(help).toContain('sinais vitais (ex.: PA 120x80 FC 78 FR 18 Sat 97 Temp 36,5)');
    // Finalization is never mentioned before the finish reminder.
    expect(help).not.toMatch(/finaliz/i);
  });

  it('T9: when an unknown phone or a caregiver without a shift writes, then a help text answers without error', async () => {
    const e = await startE2E();
    const unknown = await e.send(UNKNOWN, 'cheguei');
    expect(unknown.status).toBe(200);
    expect(unknown.body.reply).toBe('Não encontrei seu cadastro com este número. Fale com a coordenação da sua empresa.');
    expect(await e.say(CARLA, 'cheguei')).toBe('Não encontrei plantão ativo para você agora. Só consigo ajudar durante o horário do seu plantão.');
    expect(e.effects('updateWorkScheduleResponse')).toBe(0);
  });

  it('T10: when a caregiver writes outside the shift window, then the out-of-schedule text answers and nothing is recorded', async () => {
    const e = await startE2E();
    // Shifts last 12 h and are eligible until 4 h after the end.
    e.clock.advance(17 * 60 * MINUTE);
    expect(await e.say(ANA, 'oi')).toBe('Não encontrei plantão ativo para você agora. Só consigo ajudar durante o horário do seu plantão.');
    expect(await e.say(ANA, 'acabou a fralda')).toBe('Não encontrei um plantão ativo para você, então não salvei a anotação.');
    expect(e.calls('updateClinicalData')).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { ANA, ANA_ID, anaConfirmed, anaFirstAssessmentDone, BRUNO, BRUNO_ID, reportOf, scheduleOf, startE2E, UNKNOWN } from './e2e.js';

/** The acceptance scenarios A1–A10 of the reference (§10.4), end to end, with DOMAIN.md's differences. */
describe('scenarios A1–A10 end to end', () => {
  it('A1: when vitals arrive before presence, then presence is asked, nothing is sent, and the vitals resume right after the "sim"', async () => {
    const e = await startE2E();
    expect(await e.say(ANA, 'PA 120x80')).toBe(
      'Guardei o que você enviou e continuo assim que a presença for confirmada.\n' + (await e.state(ANA_ID)).pending.description,
    );
    expect(e.calls('updateClinicalData')).toBe(0);
    expect((await e.state(ANA_ID)).clinical.vitals).toEqual({});
    expect(await e.say(ANA, 'sim')).toBe('Presença confirmada!\nAnotei PA 120x80. Falta: FC, FR, Sat, Temp, condição respiratória e nota clínica.');
    expect((await e.state(ANA_ID)).clinical.vitals).toEqual({ PA: '120x80' });
  });

  it('A2: when the presence question is answered sim, then confirmado is sent exactly once and the pending action is executed', async () => {
    const e = await startE2E();
    await anaConfirmed(e);
    expect(e.calls('updateWorkScheduleResponse')).toBe(1);
    expect(scheduleOf(e, e.demo.ids.anaSchedule).response).toBe('confirmado');
    const actions = await e.get(`/sessions/${ANA_ID}/pending-actions`);
    expect(actions.body.open_action_id).toBeNull();
    expect(actions.body.actions).toEqual([
      expect.objectContaining({
        kind: 'escala.confirm',
        status: 'executed',
        call: { operation: 'updateWorkScheduleResponse', request: { scheduleID: e.demo.ids.anaSchedule, responseValue: 'confirmado' } },
      }),
    ]);
    expect((await e.state(ANA_ID)).pending).toBeNull();
  });

  it('A3: when the presence question is answered não, then a second confirmation is asked, and only its sim sends cancelado once and lists substitutes', async () => {
    const e = await startE2E();
    await e.say(ANA, 'cheguei');
    expect(await e.say(ANA, 'não')).toBe('Você não vai ao plantão? Se confirmar, ele será cancelado e a coordenação será avisada. Confirma o cancelamento?');
    expect(e.calls('updateWorkScheduleResponse')).toBe(0);
    // A second "não" keeps the shift.
    expect(await e.say(ANA, 'não')).toBe('Certo, não cancelei o plantão. Quando chegar, me confirme a presença.');
    expect(e.calls('updateWorkScheduleResponse')).toBe(0);
    await e.say(ANA, 'oi');
    await e.say(ANA, 'não');
    const cancelled = await e.say(ANA, 'sim');
    expect(cancelled).toContain('Substitutos disponíveis:\n1. Bruno Lima\n2. Carla Mendes');
    expect(e.effects('updateWorkScheduleResponse')).toBe(1);
    expect(e.demo.counters.updateWorkScheduleResponse.notifications).toBe(1);
    expect(scheduleOf(e, e.demo.ids.anaSchedule).response).toBe('cancelado');
  });

  it('A4: when a first assessment gets only a note, then the first-assessment rule answers and no backend write happens', async () => {
    const e = await startE2E();
    await anaConfirmed(e);
    expect(await e.say(ANA, 'paciente com dor abdominal leve')).toContain('Na primeira aferição do plantão preciso também dos sinais vitais');
    expect(e.calls('updateClinicalData')).toBe(0);
  });

  it('A5: when 5 vitals, AA and a note arrive across 3 messages, then the summary lists all, one sim posts once and the block resets', async () => {
    const e = await startE2E();
    await anaConfirmed(e);
    await e.say(ANA, 'PA 130x90, FC 82');
    await e.say(ANA, 'FR 16, Sat 95%, Temp 37,1°C, AA');
    const summary = await e.say(ANA, 'paciente lúcido, sem queixas');
    expect(summary).toBe('Coletei: PA 130x90, FC 82, FR 16, Sat 95%, Temp 37,1 °C, Ar ambiente. Nota: "paciente lúcido, sem queixas". Confirma para salvar?');
    await e.say(ANA, 'sim');
    expect(e.effects('updateClinicalData')).toBe(1);
    expect((await e.state(ANA_ID)).clinical).toEqual({ vitals: {}, respiratoryCondition: null, note: null, firstAssessmentDone: true });
  });

  it('A6: when a note arrives after the first assessment, then a note-only action is staged and one sim posts it once', async () => {
    const e = await startE2E();
    await anaFirstAssessmentDone(e);
    expect(await e.say(ANA, 'paciente com tosse produtiva')).toBe('Nota: "paciente com tosse produtiva". Confirma para salvar a nota?');
    await e.say(ANA, 'sim');
    expect(e.effects('updateClinicalData')).toBe(2);
    const notes = reportOf(e, e.demo.ids.anaSchedule).notes.map((n) => n.noteDescAI);
    expect(notes.filter((n) => n === 'paciente com tosse produtiva')).toHaveLength(1);
  });

  it('A7: when values are out of range (FC 300, Temp 50, PA 300x200, Sat 150), then they are named and never stored nor sent', async () => {
    const e = await startE2E();
    await anaConfirmed(e);
    const rejected = await e.say(ANA, 'FC 300 Temp 50 PA 300x200 Sat 150');
    expect(rejected).toContain('Valores fora da faixa, não registrados:');
    for (const part of ['FC 300', 'Temp 50', 'PA 300x200', 'Sat 150']) expect(rejected).toContain(part);
    expect((await e.state(ANA_ID)).clinical.vitals).toEqual({});
    // Partly valid: the valid ones are kept, the invalid one is not.
    const partly = await e.say(ANA, 'FC 75 Temp 36.5 Sat 150');
    expect(partly).toContain('Sat 150');
    expect((await e.state(ANA_ID)).clinical.vitals).toEqual({ FC: 75, Temp: 36.5 });
    await e.say(ANA, 'PA 120x80 FR 18 Sat 97 ar ambiente paciente estável');
    await e.say(ANA, 'sim');
    const vitals = reportOf(e, e.demo.ids.anaSchedule).vitals;
    expect(vitals).toEqual([expect.objectContaining({ bloodPressure: '120x80', heartRate: 75, respRate: 18, saturationO2: 97, temperature: 36.5 })]);
    expect(JSON.stringify(e.demo.snapshot())).not.toMatch(/300x200|"heartRate":300|"saturationO2":150|"temperature":50/);
  });

  it('A8: when "acabou a fralda" arrives while a confirmation is pending, then the note is posted once and the pending item survives', async () => {
    const e = await startE2E();
    await anaConfirmed(e);
    const question = await e.say(ANA, 'PA 120x80 FC 78 FR 18 Sat 97 Temp 36,5 ar ambiente, paciente calmo');
    expect(question).toMatch(/Confirma para salvar\?$/);
    const during = await e.say(ANA, 'acabou a fralda');
    expect(during).toBe(`Salvei a anotação: "acabou a fralda".\n${question}`);
    expect(e.effects('updateClinicalData')).toBe(1);
    expect(await e.say(ANA, 'sim')).toBe('Dados clínicos salvos com sucesso!');
    expect(e.effects('updateClinicalData')).toBe(2);
    const notes = reportOf(e, e.demo.ids.anaSchedule).notes.map((n) => [n.noteDescAI, n.operational]);
    expect(notes).toEqual([
      ['acabou a fralda', true],
      ['paciente calmo', false],
    ]);
  });

  it('A8b: when an operational remark carries more words than its cue, then the note saved holds every word the caregiver wrote', async () => {
    const e = await startE2E();
    await anaFirstAssessmentDone(e);
    expect(await e.say(ANA, 'a médica passou e trocou a medicação')).toBe('Salvei a anotação: "a médica passou e trocou a medicação".');
    const notes = reportOf(e, e.demo.ids.anaSchedule).notes.filter((n) => n.operational);
    expect(notes.map((n) => n.noteDescAI)).toEqual(['a médica passou e trocou a medicação']);
  });

  it('A9: when the finish reminder was sent, then every message goes to finalization, and 8 topics + sim call the summary once and close the state', async () => {
    const e = await startE2E();
    const first = await e.say(BRUNO, 'PA 120x80 FC 80');
    // Never asks for vitals during finalization.
    expect(first).toMatch(/^Para finalizar o plantão, me conte sobre:/);
    await e.say(BRUNO, 'Alimentação: aceitou a dieta; Evacuações: normais; Sono: bom; Humor: calmo');
    await e.say(BRUNO, 'Medicações: sem informações; Atividades: caminhada; Informações clínicas: sem intercorrências; Administrativas: nada a relatar');
    expect(await e.say(BRUNO, 'sim')).toBe('Plantão finalizado com sucesso! Obrigado pelo seu trabalho.');
    expect(e.effects('updatereportsummaryad')).toBe(1);
    expect(reportOf(e, e.demo.ids.brunoSchedule).summary).toMatchObject({
      medicationsSpecification: 'Sem informações',
      administrativeInfo: 'Sem informações',
      activitiesSpecification: 'caminhada',
    });
    const state = await e.state(BRUNO_ID);
    expect(state.finalization).toEqual({ existingNotes: [], notesFetched: false, topics: {}, startedAt: null });
    expect(e.calls('updateClinicalData')).toBe(0);
  });

  it('A10: when an unknown phone writes, then it gets help text with HTTP 200 and no crash', async () => {
    const e = await startE2E();
    for (const text of ['oi', 'sim', 'PA 120x80', 'acabou a fralda']) {
      const res = await e.send(UNKNOWN, text);
      expect(res.status).toBe(200);
      expect(res.body.reply).toMatch(/Não encontrei (seu cadastro|um plantão ativo)/);
    }
    expect(e.calls('updateClinicalData')).toBe(0);
  });
});

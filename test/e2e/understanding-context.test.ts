import { describe, expect, it } from 'vitest';
import { ANA, ANA_ID, anaConfirmed, anaFirstAssessmentDone, MINUTE, reportOf, scheduleOf, startE2E } from './e2e.js';

/**
 * The understanding in context, end to end: a few yes/no cases (C1–C14) and vitals cases (E1–E13)
 * through HTTP (the full matrices are in test/nlu), template-fired contexts, and resume.
 */
describe('yes/no and vitals end to end', () => {
  it('C1/C3/C7/C12: when the presence question is answered "Pode mandar!", then it counts as yes and presence is confirmed once', async () => {
    const e = await startE2E();
    await e.say(ANA, 'oi');
    expect(await e.say(ANA, 'Pode mandar!')).toContain('Presença confirmada!');
    expect(e.effects('updateWorkScheduleResponse')).toBe(1);
  });

  it('C6/C13 and H-7: when "não posso" answers presence, then it is a no that asks for the cancellation, never a yes', async () => {
    const e = await startE2E();
    await e.say(ANA, 'oi');
    expect(await e.say(ANA, 'não posso')).toContain('Confirma o cancelamento?');
    expect(await e.say(ANA, 'NÃO!!!')).toContain('não cancelei o plantão');
    expect(e.calls('updateWorkScheduleResponse')).toBe(0);
  });

  it('C9/C11: when a hedge ("talvez", "não sei", "pode ser que sim") answers, then it is neither: asked again, nothing runs', async () => {
    const e = await startE2E();
    await e.say(ANA, 'oi');
    for (const hedge of ['talvez', 'não sei', 'pode ser que sim', 'vou pensar']) {
      expect(await e.say(ANA, hedge), hedge).toMatch(/^Não entendi\. Confirma sua presença no plantão/);
    }
    expect(e.calls('updateWorkScheduleResponse')).toBe(0);
  });

  it('C2/C10: when 👍 or "SIM" answers the clinical save, then it is a yes', async () => {
    const e = await startE2E();
    await anaConfirmed(e);
    await e.say(ANA, 'PA 120x80 FC 78 FR 18 Sat 97% Temp 36,5 ar ambiente, paciente consciente');
    expect(await e.say(ANA, '👍')).toBe('Dados clínicos salvos com sucesso!');
    await e.say(ANA, 'paciente dormindo');
    expect(await e.say(ANA, 'SIM')).toBe('Dados clínicos salvos com sucesso!');
    expect(e.effects('updateClinicalData')).toBe(2);
  });

  it('E1–E6/E12: when vitals come in Brazilian formats, then they are normalised and sent exactly as shown', async () => {
    const e = await startE2E();
    await anaConfirmed(e);
    expect(await e.say(ANA, 'pressão 12 por 8, pulso 80')).toBe('Anotei PA 120x80, FC 80. Falta: FR, Sat, Temp, condição respiratória e nota clínica.');
    expect(await e.say(ANA, '18 irpm, saturação 95, 36,8°C')).toBe(
      'Anotei PA 120x80, FC 80, FR 18, Sat 95%, Temp 36,8 °C. Falta: condição respiratória e nota clínica.',
    );
    expect(await e.say(ANA, 'PA=130/85 FC=78 cateter nasal 2L/min, paciente consciente')).toBe(
      'Coletei: PA 130x85, FC 78, FR 18, Sat 95%, Temp 36,8 °C, Oxigênio suplementar. Nota: "paciente consciente". Confirma para salvar?',
    );
    await e.say(ANA, 'sim');
    expect(reportOf(e, e.demo.ids.anaSchedule).vitals).toEqual([
      expect.objectContaining({
        bloodPressure: '130x85',
        heartRate: 78,
        respRate: 18,
        saturationO2: 95,
        temperature: 36.8,
        supplementaryOxygen: 'Oxigênio suplementar',
      }),
    ]);
  });

  it('E9/E13: when a description has no vitals or values are out of range (FC 30, Temp 25), then nothing is taken as a vital', async () => {
    const e = await startE2E();
    await anaConfirmed(e);
    expect(await e.say(ANA, 'FC 30 Temp 25')).toMatch(/^Valores fora da faixa, não registrados: FC 30 .*; Temp 25 /);
    expect(await e.say(ANA, 'Paciente consciente e orientado, sem queixas')).toContain('Guardei a nota.');
    expect((await e.state(ANA_ID)).clinical.vitals).toEqual({});
  });
});

describe('template-fired contexts and resume end to end', () => {
  it('when confirmar_presenca fired, then a bare "sim" confirms presence at once; without it, "sim" first gets the question', async () => {
    const e = await startE2E();
    await e.template(ANA, 'confirmar_presenca');
    expect(await e.say(ANA, 'sim')).toBe('Presença confirmada!\nPode enviar sinais vitais, condição respiratória e nota clínica quando quiser.');
    expect(e.effects('updateWorkScheduleResponse')).toBe(1);

    const other = await startE2E();
    expect(await other.say(ANA, 'sim')).toMatch(/^Confirma sua presença no plantão/);
    expect(other.calls('updateWorkScheduleResponse')).toBe(0);
  });

  it('when pedir_sinais_vitais fired with hint_campos_faltantes, then a bare number fills the missing field; without it, the number is not a vital', async () => {
    const e = await startE2E();
    await anaConfirmed(e);
    await e.template(ANA, 'pedir_sinais_vitais', { hint_campos_faltantes: ['FR'] });
    expect(await e.say(ANA, '18')).toBe('Anotei FR 18. Falta: PA, FC, Sat, Temp, condição respiratória e nota clínica.');

    const other = await startE2E();
    await anaConfirmed(other);
    expect(await other.say(ANA, '18')).toMatch(/^Posso registrar presença/);
    expect((await other.state(ANA_ID)).clinical.vitals).toEqual({});
  });

  it('when finalizar_plantao fired, then the next text is read as topics (not as a clinical note)', async () => {
    const e = await startE2E();
    await anaFirstAssessmentDone(e);
    await e.template(ANA, 'finalizar_plantao');
    const reply = await e.say(ANA, 'comeu bem e dormiu a tarde toda');
    expect(reply).toBe('Anotado. Falta: evacuações, humor, medicações, atividades, informações clínicas adicionais e informações administrativas.');
    expect((await e.state(ANA_ID)).finalization.topics).toEqual({ alimentacao_hidratacao: 'comeu bem', sono: 'dormiu a tarde toda' });

    const other = await startE2E();
    await anaFirstAssessmentDone(other);
    expect(await other.say(ANA, 'comeu bem e dormiu a tarde toda')).toMatch(/Confirma para salvar a nota\?$/);
  });

  it('when pedir_nota_clinica fired, then a short description is taken as the clinical note', async () => {
    const e = await startE2E();
    await anaFirstAssessmentDone(e);
    await e.template(ANA, 'pedir_nota_clinica');
    expect(await e.say(ANA, 'segue bem')).toBe('Nota: "segue bem". Confirma para salvar a nota?');
  });

  it('when an unknown template fired, then it is recorded and the flow is unchanged', async () => {
    const e = await startE2E();
    await e.template(ANA, 'lembrete_generico');
    expect((await e.state(ANA_ID)).template).toMatchObject({ last: 'lembrete_generico', expecting: null });
    expect(await e.say(ANA, 'sim')).toMatch(/^Confirma sua presença no plantão/);
  });

  it('when the caregiver asks to finish before the first assessment, then clinico runs first and finalization resumes after the save', async () => {
    const e = await startE2E();
    await anaConfirmed(e);
    expect(await e.say(ANA, 'quero finalizar o plantão')).toMatch(/^Antes de finalizar, preciso da primeira aferição do plantão\./);
    await e.say(ANA, 'PA 120x80 FC 78 FR 18 Sat 97 Temp 36,5 ar ambiente, paciente bem');
    expect(await e.say(ANA, 'sim')).toBe(
      'Dados clínicos salvos com sucesso!\nPara finalizar o plantão, me conte sobre: alimentação e hidratação, evacuações, sono, humor, medicações, atividades, informações clínicas adicionais e informações administrativas. Se não houver, diga "sem informações".',
    );
    // The regression of the chat walkthrough: a labelled topic is a topic, not a clinical note.
    expect(await e.say(ANA, 'alimentação: comeu bem e bebeu água')).toMatch(/^Anotado\. Falta: evacuações,/);
    expect(e.calls('updateClinicalData')).toBe(1);
  });

  it('when presence is confirmed more than RESUME_TTL_MINUTES after the vitals were sent, then the stale resume is dropped', async () => {
    const e = await startE2E();
    await e.say(ANA, 'PA 120x80 FC 78');
    e.clock.advance(25 * MINUTE);
    // The first question expired meanwhile; a new one is asked.
    expect(await e.say(ANA, 'oi')).toMatch(/^A confirmação anterior expirou e nada foi salvo\.\nConfirma sua presença/);
    e.clock.advance(6 * MINUTE);
    expect(await e.say(ANA, 'sim')).toBe('Presença confirmada!\nPode enviar sinais vitais, condição respiratória e nota clínica quando quiser.');
    expect((await e.state(ANA_ID)).clinical.vitals).toEqual({});
    expect(scheduleOf(e, e.demo.ids.anaSchedule).response).toBe('confirmado');
  });
});

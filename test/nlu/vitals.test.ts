import { describe, expect, it } from 'vitest';
import { understandingSchema } from '../../src/contracts/understanding.js';
import { analyseWithRules, checkVital, type NluContext } from '../../src/nlu/index.js';

const none: NluContext = { expecting: 'none' };
const read = (text: string, context: NluContext = none) => analyseWithRules(text, context).understanding;
const ALL = ['PA', 'FC', 'FR', 'Sat', 'Temp'] as const;
const missing = (text: string) => ALL.filter((f) => read(text).vitals[f] === undefined);

describe('vital signs (reference §4.2, cases E1–E13)', () => {
  it.each([
    ['PA 120x80', '120x80'],
    ['pressão 130x85', '130x85'],
    ['PA 120/80', '120x80'],
    ['PA 12x8', '120x80'],
    ['pressão 12 por 8', '120x80'],
    ['PA 13/9', '130x90'],
    ['PA 11.5/7.5', '115x75'],
    ['pa 9,5 por 6,5', '95x65'],
    ['PA: 140x90 mmHg', '140x90'],
    ['pressão arterial de 110 x 70', '110x70'],
  ])('E1: when the message is "%s", then PA is %s', (text, pa) => {
    expect(read(text).vitals.PA).toBe(pa);
  });

  it.each([
    ['FC 78', 78],
    ['78 bpm', 78],
    ['frequencia cardiaca 85', 85],
    ['frequência cardíaca: 85', 85],
    ['pulso 85', 85],
    ['batimentos 90', 90],
  ])('E2: when the message is "%s", then FC is %i', (text, fc) => expect(read(text).vitals.FC).toBe(fc));

  it.each([
    ['FR 18', 18],
    ['18 irpm', 18],
    ['respiração 20', 20],
    ['fr: 16 irpm', 16],
  ])('E3: when the message is "%s", then FR is %i', (text, fr) => expect(read(text).vitals.FR).toBe(fr));

  it.each([
    ['Sat 97', 97],
    ['97%', 97],
    ['saturacao 95', 95],
    ['saturação 95%', 95],
    ['SpO2 95', 95],
    ['spo2: 96%', 96],
  ])('E4: when the message is "%s", then Sat is %i', (text, sat) => expect(read(text).vitals.Sat).toBe(sat));

  it.each([
    ['Temp 36.5', 36.5],
    ['36,8°C', 36.8],
    ['temperatura 37.2', 37.2],
    ['temp 36,5', 36.5],
    ['t 35', 35],
    ['37 graus', 37],
    ['Temp 36.5°C', 36.5],
  ])('E5: when the message is "%s", then Temp is %d', (text, temp) => expect(read(text).vitals.Temp).toBe(temp));

  it('E6: when all five come labelled in one message, then all are read and none is missing, without an LLM', () => {
    const r = analyseWithRules('PA 120x80, FC 78 bpm, FR 18 irpm, Sat 97%, Temp 36.5°C', none);
    expect(r.understanding.vitals).toEqual({ PA: '120x80', FC: 78, FR: 18, Sat: 97, Temp: 36.5 });
    expect(r.understanding.intent).toBe('clinico');
    expect(r.certain).toBe(true);
  });

  it('E7: when only PA and FC come, then FR, Sat and Temp are missing', () => {
    expect(read('PA 130x90, FC 82').vitals).toEqual({ PA: '130x90', FC: 82 });
    expect(missing('PA 130x90, FC 82')).toEqual(['FR', 'Sat', 'Temp']);
  });

  it('E8: when the text is empty, then nothing is found and all five are missing', () => {
    expect(read('').vitals).toEqual({});
    expect(missing('')).toEqual([...ALL]);
  });

  it('E9: when the text only describes the patient, then no vital is found and the text is the note', () => {
    const u = read('Paciente consciente e orientado, sem queixas');
    expect(u.vitals).toEqual({});
    expect(u.clinicalNote).toBe('Paciente consciente e orientado, sem queixas');
  });

  it('E10: when five vitals are present the set is complete; when one is missing it is not', () => {
    expect(missing('PA 120x80 FC 78 FR 18 Sat 97 Temp 36.5')).toEqual([]);
    expect(missing('PA 120x80 FC 78 FR 18 Sat 97')).toEqual(['Temp']);
  });

  it("E11 (adapted; the summary text is the engine's): when vitals are read, then they come in the units the summary prints", () => {
    const u = read('PA 120x80, FC 78 bpm, FR 18 irpm, Sat 97%, Temp 36.5°C');
    expect(`PA: ${u.vitals.PA}, FC: ${u.vitals.FC} bpm, FR: ${u.vitals.FR} irpm, Sat: ${u.vitals.Sat}%, Temp: ${u.vitals.Temp}°C`).toBe(
      'PA: 120x80, FC: 78 bpm, FR: 18 irpm, Sat: 97%, Temp: 36.5°C',
    );
  });

  it.each([
    ['pressão 12 por 8, pulso 80', { PA: '120x80', FC: 80 }],
    ['PA: 140x90, FC: 75, saturação 96%', { PA: '140x90', FC: 75, Sat: 96 }],
    ['PA=120x80 FC=78 FR=16 Sat=98% T=36.8', { PA: '120x80', FC: 78, FR: 16, Sat: 98, Temp: 36.8 }],
    ['sinais vitais: pa 13x8, fc 90bpm, fr 20irpm, sat 95%, tax 36,2', { PA: '130x80', FC: 90, FR: 20, Sat: 95, Temp: 36.2 }],
    ['Pressão 120/80 - Frequência cardíaca 72 - Temperatura 36,7 ºC', { PA: '120x80', FC: 72, Temp: 36.7 }],
  ])('E12: when Brazilian formats come ("%s"), then every value is read', (text, vitals) => {
    expect(read(text).vitals).toEqual(vitals);
  });

  it.each([
    ['FC 30', 'FC'],
    ['FC 250', 'FC'],
    ['Temp 25.0', 'Temp'],
    ['Temp 50.0', 'Temp'],
  ])('E13: when "%s" is out of range, then it is rejected with a reason and not in vitals', (text, field) => {
    const u = read(text);
    expect(u.vitals).toEqual({});
    expect(u.invalidVitals).toHaveLength(1);
    expect(u.invalidVitals[0]).toMatchObject({ field });
    expect(u.invalidVitals[0].reason).toMatch(/fora da faixa/);
  });

  it('A7: when FC 300, Temp 50, PA 300x200 and Sat 150 arrive, then none is in vitals and each is listed as invalid', () => {
    const u = read('FC 300, Temp 50, PA 300x200, Sat 150');
    expect(u.vitals).toEqual({});
    expect(u.invalidVitals.map((i) => i.field).sort()).toEqual(['FC', 'PA', 'Sat', 'Temp']);
  });

  it('when valid and invalid values are mixed ("FC 75 Temp 36.5 Sat 150"), then the valid ones are kept and Sat is rejected', () => {
    const u = read('FC 75 Temp 36.5 Sat 150');
    expect(u.vitals).toEqual({ FC: 75, Temp: 36.5 });
    expect(u.invalidVitals).toEqual([{ field: 'Sat', value: '150', reason: expect.stringMatching(/70–100/) }]);
  });

  it.each([
    ['PA 80x90', /maior que a diastólica/],
    ['PA 120x120', /maior que a diastólica/],
    ['PA 230x90', /sistólica fora da faixa/],
    ['PA 120x30', /diastólica fora da faixa/],
  ])('when the blood pressure "%s" is impossible, then it is invalid (%s)', (text, reason) => {
    const u = read(text);
    expect(u.vitals.PA).toBeUndefined();
    expect(u.invalidVitals[0]).toMatchObject({ field: 'PA', reason: expect.stringMatching(reason) });
  });

  it.each([
    ['PA', '60x40', true],
    ['PA', '220x130', true],
    ['PA', '59x40', false],
    ['FC', 40, true],
    ['FC', 190, true],
    ['FC', 191, false],
    ['FR', 8, true],
    ['FR', 50, true],
    ['FR', 7, false],
    ['FR', 51, false],
    ['Sat', 70, true],
    ['Sat', 100, true],
    ['Sat', 69, false],
    ['Temp', 34, true],
    ['Temp', 41, true],
    ['Temp', 33.9, false],
    ['Temp', 41.1, false],
  ] as const)('when %s is %s, then the range check says %s (DOMAIN.md limits are inclusive)', (field, value, ok) => {
    expect(checkVital(field, value).ok).toBe(ok);
  });

  it('when FC, FR or Sat carry decimals, then they are truncated to integers; Temp keeps one decimal', () => {
    expect(read('Sat 97,6%').vitals.Sat).toBe(97);
    expect(read('FC 78.9').vitals.FC).toBe(78);
    expect(read('temp 36,75').vitals.Temp).toBe(36.8);
  });

  it('when the same field comes twice, then the later value replaces the earlier one', () => {
    expect(read('FC 78, corrigindo: FC 82').vitals.FC).toBe(82);
  });

  it('when a lone number answers the only missing field, then it fills that field without an LLM', () => {
    const r = analyseWithRules('36,5', { expecting: 'vitals', missingVitals: ['Temp'] });
    expect(r.understanding.vitals).toEqual({ Temp: 36.5 });
    expect(r.certain).toBe(true);
    expect(analyseWithRules('18', { expecting: 'vitals', missingVitals: ['FR'] }).understanding.vitals).toEqual({ FR: 18 });
  });

  it('when a lone number could fill one of several missing fields by range, then it is used but marked uncertain', () => {
    const r = analyseWithRules('18', { expecting: 'vitals', missingVitals: ['FC', 'FR'] });
    expect(r.understanding.vitals).toEqual({ FR: 18 });
    expect(r.certain).toBe(false);
  });

  it('when an unlabelled decimal looks like a temperature, then it is read as Temp but marked uncertain', () => {
    const r = analyseWithRules('36,5', none);
    expect(r.understanding.vitals).toEqual({ Temp: 36.5 });
    expect(r.certain).toBe(false);
  });

  it('when numbers are not vital signs (a date, "50% da dieta", a time), then nothing is read', () => {
    expect(read('plantão de 12/08').vitals).toEqual({});
    expect(read('comeu 50% da dieta').vitals).toEqual({});
    expect(read('dei dipirona às 14h').vitals).toEqual({});
  });

  it('when words only resemble labels ("satisfeito", "pai", "tá"), then nothing is read', () => {
    expect(read('paciente satisfeito 10 minutos depois').vitals).toEqual({});
    expect(read('o pai 80 anos veio').vitals).toEqual({});
  });

  it.each(['PA 12x8 FC 78 sat 97% temp 36,5 ar ambiente, paciente bem', 'FC 300, PA 80x90', 'acabou o soro', ''])(
    'when "%s" is read, then the result satisfies the contract schema (topics aside, see report)',
    (text) => {
      expect(understandingSchema.omit({ finalizationTopics: true }).safeParse(read(text)).success).toBe(true);
    },
  );
});

describe('spoken numbers (voice-note transcripts)', () => {
  it.each([
    ['pressão doze por oito', { PA: '120x80' }],
    ['pressão de cento e vinte por oitenta', { PA: '120x80' }],
    ['frequência setenta e oito', { FC: 78 }],
    ['batimentos oitenta e dois', { FC: 82 }],
    ['frequência respiratória dezoito', { FR: 18 }],
    ['saturação noventa e sete', { Sat: 97 }],
    ['saturação noventa e sete por cento', { Sat: 97 }],
    ['saturação 97 por cento', { Sat: 97 }],
    ['temperatura trinta e seis e meio', { Temp: 36.5 }],
    ['temperatura trinta e seis vírgula cinco', { Temp: 36.5 }],
    ['temperatura 36 e meio', { Temp: 36.5 }],
    ['temperatura trinta e sete graus', { Temp: 37 }],
  ])('when the transcript says "%s", then the vitals are %j', (text, vitals) => {
    expect(read(text).vitals).toEqual(vitals);
  });

  it('when a whole assessment is spoken, then it reads exactly as the typed one, note included', () => {
    const spoken = read(
      'pressão doze por oito, frequência setenta e oito, saturação noventa e sete, frequência respiratória dezoito, temperatura trinta e seis e meio, ar ambiente, paciente consciente e orientado',
    );
    const digits = read(
      'Pressão 12 por 8, frequência 78, saturação 97, frequência respiratória 18, temperatura 36,5, ar ambiente, paciente consciente e orientado',
    );
    const typed = read('PA 120x80 FC 78 FR 18 Sat 97% Temp 36,5 ar ambiente, paciente consciente e orientado');
    for (const u of [spoken, digits]) {
      expect(u.vitals).toEqual(typed.vitals);
      expect(u.respiratoryCondition).toBe(typed.respiratoryCondition);
      expect(u.clinicalNote).toBe(typed.clinicalNote);
    }
  });

  it('when a spoken value is out of range, then it is named as invalid like a typed one', () => {
    expect(read('frequência duzentos e dez').invalidVitals).toEqual([expect.objectContaining({ field: 'FC', value: '210' })]);
  });

  it.each(['tomou dois comprimidos', 'comeu uma e meia porção', 'um pouco de febre', 'dormiu sete horas'])(
    'when "%s" holds number words but no vital, then no vital is read',
    (text) => expect(read(text).vitals).toEqual({}),
  );

  it('when a number is just said while vitals are missing, then it fills the missing one', () => {
    expect(read('setenta e oito', { expecting: 'vitals', missingVitals: ['FC'] }).vitals).toEqual({ FC: 78 });
  });
});

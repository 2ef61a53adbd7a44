import { describe, expect, it } from 'vitest';
import { analyseWithRules, type NluContext } from '../../src/nlu/index.js';

const none: NluContext = { expecting: 'none' };
const read = (text: string, context: NluContext = none) => analyseWithRules(text, context).understanding;

describe('respiratory condition', () => {
  it.each([
    ['ar ambiente', 'Ar ambiente'],
    ['paciente em AA', 'Ar ambiente'],
    ['em ar ambiente', 'Ar ambiente'],
    ['O2 suplementar', 'Oxigênio suplementar'],
    ['cateter nasal a 2 L/min', 'Oxigênio suplementar'],
    ['em uso de máscara de O2', 'Oxigênio suplementar'],
    ['oxigênio suplementar', 'Oxigênio suplementar'],
    ['em VM', 'Ventilação mecânica'],
    ['no ventilador', 'Ventilação mecânica'],
    ['paciente intubado', 'Ventilação mecânica'],
    ['ventilação mecânica', 'Ventilação mecânica'],
  ])('when the message says "%s", then the condition is %s', (text, condition) => {
    expect(read(text).respiratoryCondition).toBe(condition);
  });

  it.each(['PA 120x80 FC 78', 'paciente respirando bem', 'sat 95%', 'sem oxigênio', 'Sat O2 96'])(
    'when "%s" states no condition, then none is assumed',
    (text) => expect(read(text).respiratoryCondition).toBeNull(),
  );

  it('when vitals and the condition come together, then both are read and no note is left over', () => {
    const u = read('fr 18 sat 97% temp 36,5 ar ambiente');
    expect(u.vitals).toEqual({ FR: 18, Sat: 97, Temp: 36.5 });
    expect(u.respiratoryCondition).toBe('Ar ambiente');
    expect(u.clinicalNote).toBeNull();
  });
});

describe('clinical note', () => {
  it('when vitals come with a description, then the note is the description without the vitals', () => {
    const u = read('PA 120x80, paciente consciente e orientado, FC 78, sem queixas');
    expect(u.vitals).toEqual({ PA: '120x80', FC: 78 });
    expect(u.clinicalNote).toBe('paciente consciente e orientado, sem queixas');
  });

  it('when a note is expected, then descriptive text is the note (T3)', () => {
    expect(read('paciente consciente, orientado, sem queixas', { expecting: 'clinical_note' }).clinicalNote).toBe(
      'paciente consciente, orientado, sem queixas',
    );
  });

  it('when only filler is left around the vitals ("segue sinais vitais: …"), then there is no note', () => {
    expect(read('Segue sinais vitais: PA 120x80 FC 78').clinicalNote).toBeNull();
    expect(read('paciente em ar ambiente').clinicalNote).toBeNull();
  });

  it('when a free-text note is read, then the rules mark it uncertain so an LLM may refine it', () => {
    const r = analyseWithRules('paciente com tosse seca', none);
    expect(r.understanding.clinicalNote).toBe('paciente com tosse seca');
    expect(r.understanding.intent).toBe('clinico');
    expect(r.certain).toBe(false);
  });

  it('when the text is a question or small talk, then it is not a clinical note', () => {
    expect(read('qual o endereço do paciente?').clinicalNote).toBeNull();
    expect(read('oi, tudo bem?').clinicalNote).toBeNull();
    expect(read('cheguei').clinicalNote).toBeNull();
  });
});

describe('operational notes (reference §4.3)', () => {
  it.each([
    ['acabou a fralda', 'acabou a fralda'],
    ['acabou a gaze do paciente', 'acabou a gaze do paciente'],
    ['o oxímetro quebrou', 'o oxímetro quebrou'],
    ['não consegui medir a pressão', 'não consegui medir a pressão'],
    ['paciente recusou a aferição', 'paciente recusou a aferição'],
    ['está sem energia na casa', 'está sem energia na casa'],
    ['a enfermeira veio hoje de manhã', 'a enfermeira veio hoje de manhã'],
    ['precisamos de mais luvas', 'precisamos de mais luvas'],
    ['está faltando soro', 'está faltando soro'],
  ])('when the message is "%s", then the operational note is "%s" and the intent is operacional', (text, note) => {
    const u = read(text);
    expect(u.operationalNote).toBe(note);
    expect(u.intent).toBe('operacional');
    expect(u.clinicalNote).toBeNull();
  });

  it('when vitals and an operational remark share a message (T6), then both survive: the fragment and the vitals', () => {
    const r = analyseWithRules('PA 130x80 FC 88 e acabou o soro', none);
    expect(r.understanding.operationalNote).toBe('acabou o soro');
    expect(r.understanding.vitals).toEqual({ PA: '130x80', FC: 88 });
    expect(r.understanding.intent).toBe('clinico');
    expect(r.understanding.clinicalNote).toBeNull();
    expect(r.certain).toBe(true);
  });

  it.each([
    ['a médica passou e trocou a medicação', 'a médica passou e trocou a medicação'],
    ['acabou a fralda, preciso que tragam amanhã cedo', 'acabou a fralda, preciso que tragam amanhã cedo'],
    ['o enfermeiro veio hoje e ajustou o horário', 'o enfermeiro veio hoje e ajustou o horário'],
  ])('when "%s" has words beside the operational cue that no clinical note takes, then the note keeps them all', (text, note) => {
    const r = analyseWithRules(text, none);
    expect(r.understanding.operationalNote).toBe(note);
    expect(r.understanding.clinicalNote).toBeNull();
    expect(r.doubts).not.toContain('text the rules do not explain');
  });

  it('when vitals come with an operational remark and more words, then those words are the clinical note, none dropped', () => {
    const u = read('PA 120x80 FC 78, a médica passou e trocou a medicação');
    expect(u.vitals).toEqual({ PA: '120x80', FC: 78 });
    expect([u.operationalNote, u.clinicalNote]).toEqual(['a médica passou', 'trocou a medicação']);
  });

  it('when an operational remark is followed by a short object ("acabou a fralda e a gaze"), then the fragment keeps both', () => {
    expect(read('PA 120x80, acabou a fralda e a gaze').operationalNote).toBe('acabou a fralda e a gaze');
  });

  it('when a note, vitals and an operational remark share a message, then each lands in its own field', () => {
    const u = read('PA 120x80 paciente dormindo, acabou a fralda');
    expect(u.vitals).toEqual({ PA: '120x80' });
    expect(u.operationalNote).toBe('acabou a fralda');
    expect(u.clinicalNote).toBe('paciente dormindo');
  });

  it.each(['paciente com falta de ar', 'acabou o plantão', 'falta a temperatura', 'paciente com falta de apetite'])(
    'when "%s" only looks like a supply cue, then it is not operational',
    (text) => expect(read(text).operationalNote).toBeNull(),
  );

  it('A8: when an operational remark arrives while a confirmation is pending, then it is a note, not a "no"', () => {
    const r = analyseWithRules('não consegui medir a pressão', { expecting: 'yes_no' });
    expect(r.understanding.operationalNote).toBe('não consegui medir a pressão');
    expect(r.understanding.yesNo).toBeNull();
    expect(read('acabou a fralda', { expecting: 'yes_no' })).toMatchObject({ operationalNote: 'acabou a fralda', yesNo: null });
  });

  it('when a visit is told during finalization, then it is the administrative topic, not an operational note', () => {
    const u = read('familiar visitou, a médica veio', { expecting: 'finalization_topics' });
    expect(u.operationalNote).toBeNull();
    expect(u.finalizationTopics.informacoes_administrativas).toBeDefined();
  });
});

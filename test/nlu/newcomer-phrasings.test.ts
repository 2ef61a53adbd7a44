import { describe, expect, it } from 'vitest';
import { analyseWithRules, type NluContext } from '../../src/nlu/index.js';

/** Phrasings a first-time caregiver typed in the chat walkthrough, read by the rules. */
const read = (text: string, context: NluContext = { expecting: 'none' }) => analyseWithRules(text, context).understanding;

describe('oxygen phrasings', () => {
  it.each([
    ['em uso de O2', 'Oxigênio suplementar'],
    ['O2 a 2 litros', 'Oxigênio suplementar'],
    ['oxigênio a 2 litros por minuto', 'Oxigênio suplementar'],
    ['cateter nasal 3 litros', 'Oxigênio suplementar'],
    ['3 lpm', 'Oxigênio suplementar'],
    ['2 l/min de O2', 'Oxigênio suplementar'],
    ['traqueostomizado em VM', 'Ventilação mecânica'],
  ])('when the message says "%s", then the condition is %s and the flow is not left in the note', (text, condition) => {
    const u = read(text, { expecting: 'vitals', missingVitals: [] });
    expect(u.respiratoryCondition).toBe(condition);
    expect(u.clinicalNote ?? '').not.toMatch(/litro|lpm|\bem$/);
  });

  it.each(['bebeu 2 litros de água', 'tirou o O2', 'sem oxigênio'])('when "%s" names no oxygen in use, then no condition is assumed', (text) => {
    expect(read(text).respiratoryCondition).toBeNull();
  });
});

describe('labelled clinical note', () => {
  it.each([
    ['nota: paciente consciente e orientado', 'paciente consciente e orientado'],
    ['Nota clínica - paciente dormiu bem', 'paciente dormiu bem'],
    ['Obs: paciente calmo', 'paciente calmo'],
    ['PA 120x80, nota: paciente bem', 'paciente bem'],
  ])('when the caregiver writes "%s", then the note is "%s" without the label', (text, note) => {
    expect(read(text, { expecting: 'vitals', missingVitals: ['FC'] }).clinicalNote).toBe(note);
  });
});

describe('finalization topics in the engine context', () => {
  it('when topics are expected with some missing, then labelled topics and "o resto sem informações" fill exactly those', () => {
    const u = read('Humor: calmo. O resto sem informações', {
      expecting: 'finalization_topics',
      missingTopics: ['humor', 'medicacoes', 'atividades'],
    });
    expect(u.finalizationTopics).toEqual({ humor: 'calmo', medicacoes: 'Sem informações', atividades: 'Sem informações' });
    expect(u.clinicalNote).toBeNull();
  });

  it('when "alimentação: comeu bem e bebeu água" arrives expecting topics, then it is one topic, not a note', () => {
    const u = read('alimentação: comeu bem e bebeu água', { expecting: 'finalization_topics' });
    expect(u.finalizationTopics).toEqual({ alimentacao_hidratacao: 'comeu bem e bebeu água' });
    expect(u.clinicalNote).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { FINALIZATION_TOPICS } from '../../src/contracts/understanding.js';
import { analyseWithRules, NO_INFORMATION, type NluContext } from '../../src/nlu/index.js';

const topicsCtx: NluContext = { expecting: 'finalization_topics' };
const read = (text: string, context: NluContext = { expecting: 'none' }) => analyseWithRules(text, context).understanding;

describe('finalization topics (reference §4.4, T7)', () => {
  it("when the first T7 message names food, water, sleep and urine, then three topics are filled in the caregiver's words", () => {
    const u = read('comeu bem no almoço, tomou bastante água, dormiu a tarde toda, urinou normal', topicsCtx);
    expect(u.finalizationTopics).toEqual({
      alimentacao_hidratacao: 'comeu bem no almoço, tomou bastante água',
      sono: 'dormiu a tarde toda',
      evacuacoes: 'urinou normal',
    });
    expect(u.intent).toBe('finalizar');
  });

  it('when the second T7 message names the other five, then each goes to its topic', () => {
    const u = read('estava calmo, dei dipirona às 14h, fez fisioterapia, sem intercorrências, familiar visitou', topicsCtx);
    expect(u.finalizationTopics).toEqual({
      humor: 'estava calmo',
      medicacoes: 'dei dipirona às 14h',
      atividades: 'fez fisioterapia',
      informacoes_clinicas_adicionais: 'sem intercorrências',
      informacoes_administrativas: 'familiar visitou',
    });
  });

  it('when topics are labelled, then the values are read exactly and no LLM is needed', () => {
    const r = analyseWithRules('Sono: dormiu bem. Humor: calmo\nMedicações: dipirona 14h, losartana 8h', topicsCtx);
    expect(r.understanding.finalizationTopics).toEqual({ sono: 'dormiu bem', humor: 'calmo', medicacoes: 'dipirona 14h, losartana 8h' });
    expect(r.certain).toBe(true);
  });

  it.each([
    ['sono: sem informações', 'sono'],
    ['Humor - nada a relatar', 'humor'],
    ['evacuações sem informação', 'evacuacoes'],
    ['sem informações sobre atividades', 'atividades'],
    ['informações administrativas: nada', 'informacoes_administrativas'],
  ])('when "%s" is said, then %s counts as filled with "Sem informações"', (text, topic) => {
    expect(read(text, topicsCtx).finalizationTopics).toEqual({ [topic]: NO_INFORMATION });
  });

  it('when "tudo normal" is said, then it is additional clinical information (§7.5)', () => {
    expect(read('tudo normal', topicsCtx).finalizationTopics).toEqual({ informacoes_clinicas_adicionais: 'tudo normal' });
  });

  it('when one clause names two topics joined by "e", then it is split ("dormiu bem e comeu pouco")', () => {
    expect(read('dormiu bem e comeu pouco', topicsCtx).finalizationTopics).toEqual({ sono: 'dormiu bem', alimentacao_hidratacao: 'comeu pouco' });
  });

  it('when a bare "sem informações" comes and the missing topics are known, then it fills exactly those', () => {
    const u = read('sem informações', { expecting: 'finalization_topics', missingTopics: ['humor', 'atividades'] });
    expect(u.finalizationTopics).toEqual({ humor: NO_INFORMATION, atividades: NO_INFORMATION });
  });

  it('when "o resto sem informações" follows named topics, then the other missing topics get "Sem informações"', () => {
    const u = read('sono: dormiu bem, o resto sem informações', { expecting: 'finalization_topics', missingTopics: [...FINALIZATION_TOPICS] });
    expect(u.finalizationTopics.sono).toBe('dormiu bem');
    expect(Object.keys(u.finalizationTopics)).toHaveLength(8);
    expect(u.finalizationTopics.humor).toBe(NO_INFORMATION);
  });

  it('when a bare "sem informações" comes and the missing topics are unknown, then no topic is guessed', () => {
    expect(read('sem informações', topicsCtx).finalizationTopics).toEqual({});
  });

  it('when finalization topics are not expected, then topics are not read and the text is a note instead', () => {
    const u = read('paciente dormiu bem');
    expect(u.finalizationTopics).toEqual({});
    expect(u.clinicalNote).toBe('paciente dormiu bem');
  });

  it('when finalization topics are expected, then free text never becomes a clinical note', () => {
    expect(read('dormiu a noite toda', topicsCtx).clinicalNote).toBeNull();
  });
});

describe('intent', () => {
  it.each([
    ['cheguei', 'escala'],
    ['Cheguei no plantão', 'escala'],
    ['confirmo presença', 'escala'],
    ['quero confirmar minha presença', 'escala'],
    ['quero cancelar o plantão', 'escala'],
    ['não vou poder ir hoje', 'escala'],
    ['PA 120x80 FC 78', 'clinico'],
    ['ar ambiente', 'clinico'],
    ['paciente com tosse produtiva', 'clinico'],
    ['finalizar', 'finalizar'],
    ['quero finalizar o plantão', 'finalizar'],
    ['encerrar plantão', 'finalizar'],
    ['terminar', 'finalizar'],
    ['oi', 'auxiliar'],
    ['bom dia!', 'auxiliar'],
    ['olá, como funciona?', 'auxiliar'],
    ['o que você faz?', 'auxiliar'],
    ['ajuda', 'auxiliar'],
    ['acabou a fralda', 'operacional'],
  ])('when the message is "%s", then the intent is %s', (text, intent) => {
    expect(read(text).intent).toBe(intent);
  });

  it('when a greeting carries vitals ("bom dia, PA 120x80"), then the data decides: clinico', () => {
    expect(read('bom dia, PA 120x80').intent).toBe('clinico');
  });

  it('when the message is a bare yes/no, then there is no intent, only the answer', () => {
    const u = read('sim', { expecting: 'yes_no' });
    expect(u.intent).toBeNull();
    expect(u.yesNo).toBe('yes');
  });

  it('when the rules recognise nothing, then the intent is null and the reading is uncertain', () => {
    const r = analyseWithRules('e aquela questão de ontem, resolveu?', { expecting: 'none' });
    expect(r.understanding.intent).toBeNull();
    expect(r.certain).toBe(false);
  });

  it.each(['cheguei', 'oi', 'finalizar plantão', 'ajuda'])('when "%s" is a plain command, then the rules are certain', (text) => {
    expect(analyseWithRules(text, { expecting: 'none' }).certain).toBe(true);
  });
});

describe('substitute choice (reference §4.6, T2)', () => {
  const choosing: NluContext = { expecting: 'substitute_choice' };

  it.each([
    ['1', '1'],
    ['2', '2'],
    ['o 2', '2'],
    ['opção 3', '3'],
    ['número 2', '2'],
    ['o primeiro', '1'],
    ['a segunda', '2'],
    ['sim, o primeiro', '1'],
  ])('when a list was offered and the answer is "%s", then the choice is %s (not a yes, not a vital)', (text, choice) => {
    const r = analyseWithRules(text, choosing);
    expect(r.understanding.choice).toBe(choice);
    expect(r.understanding.intent).toBe('substituto');
    expect(r.understanding.yesNo).toBeNull();
    expect(r.understanding.vitals).toEqual({});
    expect(r.certain).toBe(true);
  });

  it.each([
    ['Maria Souza', 'Maria Souza'],
    ['quero a Maria', 'Maria'],
    ['pode ser o João', 'João'],
  ])('when the answer is the name "%s", then the choice is "%s" in the user\'s spelling', (text, choice) => {
    expect(read(text, choosing).choice).toBe(choice);
  });

  it.each(['nenhum', 'não', 'não quero', 'nenhum deles'])('when the answer is the refusal "%s", then it is a no without a choice', (text) => {
    const u = read(text, choosing);
    expect(u.yesNo).toBe('no');
    expect(u.choice).toBeNull();
  });

  it('when a name contains the letter "n" ("Ana Nunes"), then it is a choice, never a refusal (bug H-6)', () => {
    const u = read('Ana Nunes', choosing);
    expect(u.choice).toBe('Ana Nunes');
    expect(u.yesNo).toBeNull();
  });

  it.each(['cheguei', 'ok', 'paciente bem', 'talvez'])('when the answer "%s" is not a pick, then there is no choice', (text) => {
    expect(read(text, choosing).choice).toBeNull();
  });

  it('when no list was offered, then "2" is not a choice', () => {
    expect(read('2').choice).toBeNull();
  });
});

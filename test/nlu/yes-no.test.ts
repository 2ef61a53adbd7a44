import { describe, expect, it } from 'vitest';
import { createRulesUnderstanding } from '../../src/nlu/index.js';

const rules = createRulesUnderstanding();
const answer = (text: string) => rules.analyse(text, { expecting: 'yes_no' });
const yesNo = (text: string) => answer(text).understanding.yesNo;

describe('yes/no rules (reference §7.8, cases C1–C14)', () => {
  it.each([
    'sim',
    's',
    'ok',
    'okay',
    'confirmo',
    'confirma',
    'confirmado',
    'certo',
    'perfeito',
    'correto',
    'positivo',
    'afirmativo',
    'concordo',
    'aceito',
    'pode',
    'beleza',
    'show',
    'top',
  ])('C1: when the answer is "%s", then it is a yes', (text) => expect(yesNo(text)).toBe('yes'));

  it.each(['👍', '✅', '✓', '1', 'yes', 'y'])('C2: when the answer is "%s", then it is a yes', (text) => expect(yesNo(text)).toBe('yes'));

  it.each(['isso mesmo', 'é isso', 'tudo certo', 'pode ser', 'pode ir', 'pode mandar', 'vamos', 'vai', 'bora', 'pode salvar'])(
    'C3: when the answer is the phrase "%s", then it is a yes',
    (text) => expect(yesNo(text)).toBe('yes'),
  );

  it.each(['não', 'nao', 'n', 'nunca', 'jamais', 'negativo', 'errado', 'incorreto', 'falso', 'para', 'pare', 'cancela', 'cancelar', 'cancelado', 'desisto'])(
    'C4: when the answer is "%s", then it is a no',
    (text) => expect(yesNo(text)).toBe('no'),
  );

  it.each(['👎', '❌', '✗', '0', 'no', 'nope'])('C5: when the answer is "%s", then it is a no', (text) => expect(yesNo(text)).toBe('no'));

  it.each([
    'não confirmo',
    'nao confirmo',
    'não confere',
    'nao confere',
    'não é isso',
    'nao e isso',
    'não quero',
    'nao quero',
    'não aceito',
    'nao aceito',
    'não posso',
  ])('C6: when the answer is the negative phrase "%s", then it is a no', (text) => expect(yesNo(text)).toBe('no'));

  it.each([
    ['SIM!', 'yes'],
    ['  Ok  ', 'yes'],
    ['Não!!!!', 'no'],
    ['CONFIRMO.', 'yes'],
    ['   beleza   ?', 'yes'],
  ])('C7: when the answer "%s" carries case, blanks or punctuation, then it normalises to %s', (text, expected) => {
    expect(yesNo(text)).toBe(expected);
    expect(answer(text).certain).toBe(true);
  });

  it.each([
    ['sim', 'yes'],
    ['ok', 'yes'],
    ['confirmo', 'yes'],
    ['👍', 'yes'],
    ['beleza', 'yes'],
    ['não', 'no'],
    ['nao', 'no'],
    ['cancelar', 'no'],
    ['❌', 'no'],
    ['nunca', 'no'],
  ])('C8: when classifying "%s" for a pending confirmation, then the answer is %s', (text, expected) => {
    expect(yesNo(text)).toBe(expected);
  });

  // Decision on C9: hedges are neither yes nor no (the confirmation is asked again), even though
  // "não sei" holds a no-word and "pode ser que sim" holds yes-words. See src/nlu/rules/yes-no.ts.
  it.each(['talvez', 'não sei', 'depende', 'mais ou menos', 'pode ser que sim', 'vou pensar', 'depois eu vejo'])(
    'C9: when the answer is the hedge "%s", then it is neither yes nor no and needs no LLM',
    (text) => {
      const r = answer(text);
      expect(r.understanding.yesNo).toBeNull();
      expect(r.certain).toBe(true);
    },
  );

  it.each(['SIM', 'Sim', 'sIm', 'OK', 'Ok'])('C10: when "%s" is written in any case, then it is only a yes', (text) => {
    expect(yesNo(text)).toBe('yes');
  });

  it.each(['NÃO', 'Não', 'nÃo', 'CANCELAR'])('C10: when "%s" is written in any case, then it is only a no', (text) => {
    expect(yesNo(text)).toBe('no');
  });

  it('C11: when the answer is empty or missing, then it is neither', () => {
    expect(yesNo('')).toBeNull();
    expect(yesNo('   ')).toBeNull();
    expect(yesNo(undefined as unknown as string)).toBeNull();
  });

  it.each([
    ['sim!', 'yes'],
    ['  ok  ', 'yes'],
    ['   confirmo   ???', 'yes'],
    ['não.', 'no'],
    ['cancelar!!!', 'no'],
  ])('C12: when "%s" has punctuation around it, then it is %s', (text, expected) => expect(yesNo(text)).toBe(expected));

  it.each([
    ['confirmo a ação', 'yes'],
    ['não quero isso', 'no'],
    ['pode mandar', 'yes'],
    ['para tudo', 'no'],
  ])('C13: when the phrase "%s" holds one polarity, then it is only %s', (text, expected) => {
    const r = answer(text);
    expect(r.understanding.yesNo).toBe(expected);
    expect(r.certain).toBe(true);
  });

  it.each(['bom dia', 'paciente estável', 'qual o horário do plantão?', 'talvez', 'hoje está chovendo'])(
    'C14: when the phrase "%s" is neutral, then it is neither yes nor no',
    (text) => expect(yesNo(text)).toBeNull(),
  );

  it('when a yes-word and a no-word both appear, then the no wins and the reading is marked uncertain', () => {
    const r = answer('sim, mas não agora');
    expect(r.understanding.yesNo).toBe('no');
    expect(r.certain).toBe(false);
    expect(r.doubts).toContain('both yes and no words');
  });

  it('when "não posso" answers a presence question, then it is a no (word boundaries, not substrings: D-11)', () => {
    expect(yesNo('não posso')).toBe('no');
    expect(yesNo('nao posso ir hoje')).toBe('no');
  });

  it('when a no starts a longer answer, then the answer is a no ("não, ainda não cheguei")', () => {
    expect(yesNo('não, ainda não cheguei')).toBe('no');
  });

  it('when "para" is a preposition inside the message, then it is not a no', () => {
    expect(yesNo('pode salvar para mim')).toBe('yes');
  });

  it('when a clinical sentence contains "não" in the middle, then it is not read as a no', () => {
    expect(yesNo('paciente não tem febre')).toBeNull();
    expect(yesNo('PA 120x80 e não tem febre')).toBeNull();
  });

  it('when a yes-word is buried in a word ("simples", "posso"), then it does not count', () => {
    expect(yesNo('simples')).toBeNull();
    expect(yesNo('posso')).toBeNull();
  });
});

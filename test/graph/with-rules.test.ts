import { describe, expect, it } from 'vitest';
import { analyseWithRules } from '../../src/nlu/rules/rules-understanding.js';
import { confirmed, createHarness, type Harness } from './harness.js';

/**
 * The seam between the engine and the understanding: each message is read by the real rules in
 * the context the engine's `expectation()` gives, as the pipeline does. The other graph tests
 * hand the engine ready-made understandings, which cannot catch a wrong expectation.
 */
function say(h: Harness, text: string) {
  return h.send(text, analyseWithRules(text, h.expectation()).understanding);
}

function firstAssessment(h: Harness) {
  say(h, 'PA 120x80 FC 78 FR 18 Sat 97 Temp 36,5 ar ambiente, paciente consciente');
  expect(say(h, 'sim').text).toBe('Dados clínicos salvos com sucesso!');
}

describe('engine + rules understanding', () => {
  it('when the caregiver starts finalization before the finish reminder, then labelled topics are read as topics, not as a clinical note', () => {
    const h = confirmed(createHarness());
    firstAssessment(h);
    expect(say(h, 'acabou a fralda').text).toBe('Salvei a anotação: "acabou a fralda".');
    expect(say(h, 'finalizar plantão').text).toMatch(/^Para finalizar o plantão, me conte sobre:/);
    expect(h.expectation()).toMatchObject({ expecting: 'finalization_topics' });
    expect(say(h, 'alimentação: comeu bem e bebeu água').text).toBe(
      'Anotado. Falta: evacuações, sono, humor, medicações, atividades, informações clínicas adicionais e informações administrativas.',
    );
    expect(h.state().pending).toBeNull();
    expect(say(h, 'evacuações: urinou normal').text).toMatch(/^Anotado\. Falta: sono,/);
    expect(say(h, 'o resto sem informações').text).toMatch(/Confirma a finalização do plantão\?$/);
    expect(say(h, 'sim').text).toBe('Plantão finalizado com sucesso! Obrigado pelo seu trabalho.');
    expect(h.callsOf('updatereportsummaryad')[0].call.request).toMatchObject({
      foodHydrationSpecification: 'comeu bem e bebeu água',
      stoolUrineSpecification: 'urinou normal',
      sleepSpecification: 'Sem informações',
    });
    expect(h.count('updateClinicalData')).toBe(2);
  });

  it('when a finalization message names no topic, then the reply says so instead of "Anotado"', () => {
    const h = confirmed(createHarness());
    firstAssessment(h);
    say(h, 'quero finalizar');
    expect(say(h, 'ok').text).toMatch(/^Não identifiquei nenhum tópico nessa mensagem\. Falta: alimentação e hidratação,/);
  });

  it('when a labelled correction answers the finalization summary, then it is read as a topic and the summary is asked again', () => {
    const h = confirmed(createHarness({}));
    h.world.schedule!.finishReminderSent = true;
    say(h, 'oi');
    expect(say(h, 'sem informações').text).toMatch(/Confirma a finalização do plantão\?$/);
    // While the summary waits for yes/no, a correction is still read as a topic.
    const corrected = say(h, 'Humor: agitado à tarde');
    expect(corrected.text).toContain('• Humor: agitado à tarde');
    expect(corrected.text).toMatch(/Confirma a finalização do plantão\?$/);
    expect(say(h, 'sim').text).toBe('Plantão finalizado com sucesso! Obrigado pelo seu trabalho.');
    expect(h.count('updatereportsummaryad')).toBe(1);
  });

  it('when "cheguei" answers the presence question, then the question is repeated without "Não entendi"', () => {
    const h = createHarness();
    say(h, 'oi');
    expect(say(h, 'cheguei').text).toMatch(/^Confirma sua presença no plantão/);
  });

  it('when a shift saved before the startedAt field is loaded, then it defaults to not started', () => {
    const h = createHarness();
    const old = JSON.parse(JSON.stringify(h.state()));
    delete old.finalization.startedAt;
    expect(h.engine.stateSchema.parse(old).finalization.startedAt).toBeNull();
  });
});

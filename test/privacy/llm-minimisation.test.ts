import { describe, expect, it, onTestFinished } from 'vitest';
import { emptyLlmOutput } from '../../src/nlu/openai/llm-output.js';
import { redactForLlm } from '../../src/nlu/openai/redaction.js';
import { startFakeOpenAI } from '../support/fake-openai.js';
import { ANA, anaFirstAssessmentDone, startE2E } from '../e2e/e2e.js';

/** Every identifier of Ana's shift: her phone in its forms, her and her patient's names, surnames and backend ids. */
const IDENTIFIERS = [/5511999990001/, /99999.?0001/, /\bana\b/i, /souza/i, /\bjos[eé]\b/i, /almeida/i, /cg-ana/, /pt-jose/];

describe('what reaches the LLM (LGPD minimisation)', () => {
  it('when a whole shift goes through OpenAI, then no prompt carries the phone, the names or the ids, and the redactions are counted', async () => {
    const fake = await startFakeOpenAI();
    onTestFinished(() => fake.close());
    // The fake LLM reads the (redacted) text as a clinical note, so the placeholders come back in its answer.
    fake.setDefault((request) => ({
      kind: 'json',
      body: { ...emptyLlmOutput(), intent: 'clinico', clinicalNote: request.body.messages?.at(-1)?.content ?? null },
    }));
    const e = await startE2E({ env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: fake.baseURL, OPENAI_TIMEOUT_MS: '2000' } });
    await anaFirstAssessmentDone(e);
    const reply = await e.say(ANA, 'o José reclamou de dor nas costas depois do almoço');
    // The note keeps the caregiver's words: the placeholder is put back after the LLM answers.
    expect(reply).toContain('José reclamou de dor nas costas');
    await e.say(ANA, 'não');
    await e.say(ANA, 'aqui é a Ana Souza, meu numero é (11) 99999-0001, o jose ficou agitado');
    await e.say(ANA, 'não');
    await e.say(ANA, 'paciente José Almeida com tosse seca, avisar a família pelo email ana.souza@example.com');
    await e.say(ANA, 'não');

    expect(fake.count()).toBeGreaterThanOrEqual(3);
    for (const request of fake.requests) {
      const prompt = JSON.stringify(request.body.messages);
      for (const identifier of IDENTIFIERS) expect(prompt, `${identifier} in ${prompt}`).not.toMatch(identifier);
    }
    const metrics = await e.get('/metrics/sessions');
    expect(metrics.body.llm_pii_redaction.name).toBeGreaterThanOrEqual(4);
    expect(metrics.body.llm_pii_redaction.phone).toBeGreaterThanOrEqual(1);
    expect(metrics.body.llm_pii_redaction.email).toBeGreaterThanOrEqual(1);
  });
});

describe('redactForLlm', () => {
  it('when a text names people (any case, with or without accents), then each becomes a placeholder and restore puts the original words back', () => {
    const r = redactForLlm('JOSE e josé; Ana Paula ligou, ana também, banana não', ['José', 'Ana Paula', 'Ana']);
    expect(r.text).toBe('[pessoa2] e [pessoa2]; [pessoa1] ligou, [pessoa3] também, banana não');
    expect(r.counts).toEqual({ phone: 0, email: 0, name: 4 });
    expect(r.restore('[pessoa2] com febre; [pessoa1] avisada')).toBe('josé com febre; Ana Paula avisada');
  });

  it('when a known first name is followed by surnames, then the whole name is one placeholder and comes back whole', () => {
    const r = redactForLlm('o José da Silva Prado caiu; chamei a Ana', ['José', 'Ana']);
    expect(r.text).toBe('o [pessoa1] caiu; chamei a [pessoa2]');
    expect(r.restore('[pessoa1] caiu')).toBe('José da Silva Prado caiu');
  });

  it('when a text carries a phone or an e-mail, then they are replaced and vital signs are left alone', () => {
    const r = redactForLlm('PA 120x80 FC 78 Temp 36,5 ligar +55 (11) 99999-0001 ou x@y.com.br');
    expect(r.text).toBe('PA 120x80 FC 78 Temp 36,5 ligar [telefone] ou [email]');
    expect(r.counts).toEqual({ phone: 1, email: 1, name: 0 });
  });
});

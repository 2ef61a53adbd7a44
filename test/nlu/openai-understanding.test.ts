import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/kernel/logger.js';
import { emptyLlmOutput, type LlmOutput } from '../../src/nlu/openai/llm-output.js';
import { analyseWithRules, createOpenAIUnderstanding, createUnderstanding, type OpenAIUnderstanding } from '../../src/nlu/index.js';
import { mergeWithRules } from '../../src/nlu/openai/merge.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';

const logger = createLogger({ silent: true });
let fake: FakeOpenAI;

/** A full LLM output with some fields set. */
type LlmPatch = Partial<Omit<LlmOutput, 'vitals' | 'finalizationTopics'>> & {
  vitals?: Partial<LlmOutput['vitals']>;
  finalizationTopics?: Partial<LlmOutput['finalizationTopics']>;
};
const llm = (patch: LlmPatch): LlmOutput => {
  const base = emptyLlmOutput();
  return { ...base, ...patch, vitals: { ...base.vitals, ...patch.vitals }, finalizationTopics: { ...base.finalizationTopics, ...patch.finalizationTopics } };
};

function service(timeoutMs = 2_000): OpenAIUnderstanding {
  return createOpenAIUnderstanding({ apiKey: 'test-key', baseURL: fake.baseURL, model: 'gpt-4o-mini', timeoutMs, logger });
}

beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.setDefault({ kind: 'json', body: emptyLlmOutput() });
});

describe('OpenAIUnderstanding against a local chat-completions server', () => {
  it.each([
    ['sim', { expecting: 'yes_no' }],
    ['não posso', { expecting: 'yes_no' }],
    ['PA 120x80, FC 78 bpm, FR 18 irpm, Sat 97%, Temp 36.5°C', { expecting: 'vitals' }],
    ['fr 18 sat 97% temp 36,5 ar ambiente', { expecting: 'vitals' }],
    ['2', { expecting: 'substitute_choice' }],
    ['cheguei', { expecting: 'none' }],
    ['Sono: dormiu bem. Humor: calmo', { expecting: 'finalization_topics' }],
    ['PA 130x80 FC 88 e acabou o soro', { expecting: 'none' }],
  ] as const)('when the rules are certain about "%s", then no LLM call is made', async (text, context) => {
    const nlu = service();
    const u = await nlu.understand(text, context);
    expect(u.source).toBe('rules');
    expect(fake.count()).toBe(0);
    expect(nlu.stats()).toEqual({ calls: 0, fallbacks: 0, rulesOnly: 1 });
  });

  it('when a message is uncertain, then exactly one call is made, with the model, a strict JSON schema and the text', async () => {
    fake.enqueue({ kind: 'json', body: llm({ intent: 'clinico', clinicalNote: 'paciente com tosse seca desde a manhã' }) });
    const nlu = service();
    const u = await nlu.understand('paciente com tosse seca desde a manhã', { expecting: 'none' });
    expect(fake.count()).toBe(1);
    const request = fake.requests[0];
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe('Bearer test-key');
    expect(request.body.model).toBe('gpt-4o-mini');
    expect(request.body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'understanding', strict: true } });
    expect(request.body.messages!.at(-1)).toEqual({ role: 'user', content: 'paciente com tosse seca desde a manhã' });
    expect(u).toMatchObject({ source: 'openai', intent: 'clinico', clinicalNote: 'paciente com tosse seca desde a manhã' });
    expect(nlu.stats()).toEqual({ calls: 1, fallbacks: 0, rulesOnly: 0 });
  });

  it('when several messages arrive, then each uncertain one costs one call and each certain one none', async () => {
    const nlu = service();
    await nlu.understand('sim', { expecting: 'yes_no' });
    await nlu.understand('paciente sonolento', { expecting: 'none' });
    await nlu.understand('PA 12x8 FC 78', { expecting: 'vitals' });
    await nlu.understand('e aquela questão de ontem?', { expecting: 'none' });
    await nlu.understand('comeu pouco, dormiu mal', { expecting: 'finalization_topics' });
    expect(fake.count()).toBe(3);
    expect(nlu.stats()).toEqual({ calls: 3, fallbacks: 0, rulesOnly: 2 });
  });

  it('when the LLM returns an out-of-range value, then the deterministic check puts it in invalidVitals, never in vitals', async () => {
    fake.enqueue({ kind: 'json', body: llm({ intent: 'clinico', vitals: { FC: 300, Sat: '96' }, clinicalNote: 'agitado' }) });
    const u = await service().understand('o coração deu 300 e a oxigenação 96, agitado', { expecting: 'none' });
    expect(u.vitals).toEqual({ Sat: 96 });
    expect(u.invalidVitals).toEqual([{ field: 'FC', value: '300', reason: expect.stringMatching(/40–190/) }]);
  });

  it('when the LLM normalises a blood pressure loosely ("12/8"), then the rules code turns it into "120x80"', async () => {
    fake.enqueue({ kind: 'json', body: llm({ vitals: { PA: '12/8' } }) });
    const u = await service().understand('a pressão deu doze por oito, ou seja 12 8, paciente bem', { expecting: 'none' });
    expect(u.vitals.PA).toBe('120x80');
  });

  it('when the LLM invents a value that is not in the text, then it is dropped', async () => {
    fake.enqueue({ kind: 'json', body: llm({ vitals: { FC: 80, Temp: 36.5 }, clinicalNote: 'paciente tranquilo' }) });
    const u = await service().understand('paciente tranquilo', { expecting: 'none' });
    expect(u.vitals).toEqual({});
    expect(u.invalidVitals).toEqual([]);
  });

  it('when the LLM assumes a respiratory condition the text does not state, then it is dropped', async () => {
    fake.enqueue({ kind: 'json', body: llm({ respiratoryCondition: 'Ar ambiente', clinicalNote: 'paciente tranquilo' }) });
    expect((await service().understand('paciente tranquilo', { expecting: 'none' })).respiratoryCondition).toBeNull();
    fake.enqueue({ kind: 'json', body: llm({ respiratoryCondition: 'Oxigênio suplementar' }) });
    expect((await service().understand('segue no oxigênio, bem disposto', { expecting: 'none' })).respiratoryCondition).toBe('Oxigênio suplementar');
  });

  it('when the LLM gives an operational fragment and no clinical note, then the words it left out are still kept', async () => {
    // The inferred temperature makes the rules uncertain, so the LLM is asked; it keeps only the cue.
    fake.enqueue({ kind: 'json', body: llm({ intent: 'operacional', operationalNote: 'a médica passou', vitals: { Temp: '36,5' } }) });
    const u = await service().understand('a médica passou e trocou a medicação, 36,5', { expecting: 'none' });
    expect(fake.requests).toHaveLength(1);
    expect([u.operationalNote, u.clinicalNote]).toEqual(['a médica passou', 'trocou a medicação']);
    expect(u.vitals).toEqual({ Temp: 36.5 });
  });

  it('when the rules read a labelled vital, then the LLM cannot change it', async () => {
    fake.enqueue({ kind: 'json', body: llm({ vitals: { PA: '130x80', FC: 78 }, clinicalNote: 'sonolento' }) });
    const u = await service().understand('PA 120x80, FC 78, paciente sonolento', { expecting: 'vitals' });
    expect(u.vitals).toEqual({ PA: '120x80', FC: 78 });
    expect(u.clinicalNote).toBe('sonolento');
  });

  it('when yes and no words conflict, then the LLM decides the answer', async () => {
    fake.enqueue({ kind: 'json', body: llm({ yesNo: 'yes' }) });
    const u = await service().understand('sim, não tem problema', { expecting: 'yes_no' });
    expect(fake.count()).toBe(1);
    expect(u.yesNo).toBe('yes');
  });

  it('when the LLM fills finalization topics, then "sem informações" becomes the canonical value', async () => {
    fake.enqueue({ kind: 'json', body: llm({ intent: 'finalizar', finalizationTopics: { sono: 'dormiu mal', humor: 'sem informações' } }) });
    const u = await service().understand('dormiu mal, humor sem informações', { expecting: 'finalization_topics' });
    expect(u.finalizationTopics).toEqual({ sono: 'dormiu mal', humor: 'Sem informações' });
  });

  it('when the text holds a phone number, then the LLM never receives it', async () => {
    await service().understand('a filha pediu retorno no +55 11 99999-0001, paciente bem', { expecting: 'none' });
    expect(fake.count()).toBe(1);
    expect(JSON.stringify(fake.requests[0].body)).not.toContain('99999');
  });

  describe('fallback to the rules', () => {
    const text = 'PA 12x8, paciente sonolento';
    const context = { expecting: 'vitals' } as const;
    const expectRulesReading = (u: Awaited<ReturnType<OpenAIUnderstanding['understand']>>) => {
      expect(u.source).toBe('rules');
      expect(u.vitals).toEqual({ PA: '120x80' });
      expect(u.clinicalNote).toBe('paciente sonolento');
    };

    it('when the content is not JSON, then the rules result is returned after one call', async () => {
      fake.enqueue({ kind: 'content', content: 'Claro! Aqui está: {vitals: PA' });
      const nlu = service();
      expectRulesReading(await nlu.understand(text, context));
      expect(fake.count()).toBe(1);
      expect(nlu.stats().fallbacks).toBe(1);
    });

    it('when the JSON does not match the schema, then the rules result is returned', async () => {
      fake.enqueue({ kind: 'json', body: { intencao: 'clinico' } });
      expectRulesReading(await service().understand(text, context));
      expect(fake.count()).toBe(1);
    });

    it('when the API answers 500, then the rules result is returned and the call is not retried', async () => {
      fake.enqueue({ kind: 'status', status: 500 });
      const nlu = service();
      expectRulesReading(await nlu.understand(text, context));
      expect(fake.count()).toBe(1);
      expect(nlu.stats()).toMatchObject({ calls: 1, fallbacks: 1 });
    });

    it('when the API answers 429, then the rules result is returned and the call is not retried', async () => {
      fake.enqueue({ kind: 'status', status: 429 });
      expectRulesReading(await service().understand(text, context));
      expect(fake.count()).toBe(1);
    });

    it('when the API is slower than OPENAI_TIMEOUT_MS, then the rules result is returned without a second call', async () => {
      fake.enqueue({ kind: 'hang' });
      // Real time, 200 ms: the SDK's own timer is the behaviour under test and has no injection point.
      const nlu = service(200);
      expectRulesReading(await nlu.understand(text, context));
      expect(fake.count()).toBe(1);
      expect(nlu.stats().fallbacks).toBe(1);
    });

    it('when the API cannot be reached, then the rules result is returned', async () => {
      const nlu = createOpenAIUnderstanding({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1', model: 'gpt-4o-mini', timeoutMs: 500, logger });
      expectRulesReading(await nlu.understand(text, context));
      expect(nlu.stats()).toMatchObject({ calls: 1, fallbacks: 1 });
    });
  });
});

describe('mergeWithRules', () => {
  it('when the LLM cuts an operational note that the rules read whole, then the whole note is kept', () => {
    const text = 'a médica passou e trocou a medicação';
    const rules = analyseWithRules(text, { expecting: 'none' });
    const merged = mergeWithRules(text, { expecting: 'none' }, rules, llm({ intent: 'operacional', operationalNote: 'a médica passou' }));
    expect(merged.operationalNote).toBe(text);
    expect(merged.clinicalNote).toBeNull();
  });
});

describe('createUnderstanding', () => {
  const base = { model: 'gpt-4o-mini', timeoutMs: 2_000 };

  it('when an API key is given, then the OpenAI implementation is used (one call for an uncertain message)', async () => {
    fake.enqueue({ kind: 'json', body: llm({ clinicalNote: 'paciente sonolento' }) });
    const nlu = createUnderstanding({ ...base, apiKey: 'k', baseURL: fake.baseURL }, { logger });
    const u = await nlu.understand('paciente sonolento', { expecting: 'none' });
    expect(u.source).toBe('openai');
    expect(fake.count()).toBe(1);
  });

  it('when no API key is given, then the rules are used and nothing is called', async () => {
    const nlu = createUnderstanding({ ...base, apiKey: undefined, baseURL: fake.baseURL }, { logger });
    const u = await nlu.understand('paciente sonolento', { expecting: 'none' });
    expect(u.source).toBe('rules');
    expect(u.clinicalNote).toBe('paciente sonolento');
    expect(fake.count()).toBe(0);
  });
});
